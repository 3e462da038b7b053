package io.kubesgx.sim;

import io.kubesgx.verifier.Reason;
import java.util.List;

/** What a correct DCAP verifier must return for a quote of each scenario (written independently of the generator). */
record Expectations(String status, List<String> advisoryIds, Reason rejection) {
  static Expectations of(Scenario s) {
    switch (s) {
      case UP_TO_DATE:
        return ok("UpToDate");
      case SW_HARDENING_NEEDED:
        return ok("SWHardeningNeeded", "INTEL-SA-00615");
      case CONFIGURATION_NEEDED:
        return ok("ConfigurationNeeded", "INTEL-SA-00289");
      case CONFIGURATION_AND_SW_HARDENING_NEEDED:
        return ok("ConfigurationAndSWHardeningNeeded", "INTEL-SA-00289", "INTEL-SA-00615");
      case OUT_OF_DATE:
        return ok("OutOfDate", "INTEL-SA-00828", "INTEL-SA-00837");
      case OUT_OF_DATE_CONFIGURATION_NEEDED:
        return ok("OutOfDateConfigurationNeeded", "INTEL-SA-00289", "INTEL-SA-00828");
      case REVOKED_TCB:
        return new Expectations(null, List.of(), Reason.TCB_REVOKED);
      case REVOKED_PCK:
        return new Expectations(null, List.of(), Reason.PCK_REVOKED);
      case EXPIRED_COLLATERAL:
        return new Expectations(null, List.of(), Reason.TCB_INFO_EXPIRED);
      case TCB_RECOVERY:
        return ok("OutOfDate", "INTEL-SA-01103");
      default:
        throw new AssertionError(s);
    }
  }

  private static Expectations ok(String status, String... advisories) {
    return new Expectations(status, List.of(advisories), null);
  }

  boolean accepted() {
    return rejection == null;
  }
}
