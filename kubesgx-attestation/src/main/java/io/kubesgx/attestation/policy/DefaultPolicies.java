package io.kubesgx.attestation.policy;

/** The policy that applies when none is stored. */
public final class DefaultPolicies {
  private DefaultPolicies() {}

  /**
   * Permits non-debug enclaves whose TCB status is acceptable: UpToDate, SWHardeningNeeded,
   * ConfigurationNeeded or ConfigurationAndSWHardeningNeeded — or OutOfDate within a grace period,
   * which is zero days here (set {@code x-kubesgx-tcb-grace-period-days} in configurationrules).
   */
  public static final String SGX =
      """
      version=1.1;
      configurationrules
      {
        => issueproperty(type="x-kubesgx-tcb-grace-period-days", value=0);
      };
      authorizationrules
      {
        [type=="x-ms-sgx-is-debuggable", value==false] && [type=="x-kubesgx-tcb-acceptable", value==true] => permit();
      };
      issuancerules
      {
      };
      """;
}
