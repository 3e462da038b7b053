package io.kubesgx.common.crypto;

import java.lang.reflect.Method;
import java.security.Provider;
import java.security.Security;
import java.security.Signature;
import java.util.logging.Logger;

/**
 * Installs the Amazon Corretto Crypto Provider (ACCP) as the preferred JCA provider when it is on
 * the class path and healthy, and falls back to the JDK providers otherwise.
 *
 * <p>Call {@link #installPreferred()} once at process start-up, before other JCA use. Setting the
 * system property or environment variable {@code KUBESGX_DISABLE_ACCP=true} skips ACCP.
 */
public final class CryptoProviders {
  private static final Logger LOG = Logger.getLogger(CryptoProviders.class.getName());
  private static final String ACCP_CLASS = "com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider";
  private static final String ACCP_NAME = "AmazonCorrettoCryptoProvider";
  private static volatile String active;

  private CryptoProviders() {}

  /** Installs ACCP if possible and returns the name of the provider that now serves ECDSA. */
  public static synchronized String installPreferred() {
    if (active != null) {
      return active;
    }
    boolean disabled =
        Boolean.parseBoolean(System.getProperty("KUBESGX_DISABLE_ACCP", System.getenv().getOrDefault("KUBESGX_DISABLE_ACCP", "false")));
    if (!disabled) {
      try {
        Class<?> c = Class.forName(ACCP_CLASS);
        c.getMethod("install").invoke(null);
        Object instance = c.getField("INSTANCE").get(null);
        Method loadingError = c.getMethod("getLoadingError");
        if (loadingError.invoke(instance) != null) {
          throw new IllegalStateException(String.valueOf(loadingError.invoke(instance)));
        }
        c.getMethod("assertHealthy").invoke(instance);
      } catch (Throwable t) {
        Security.removeProvider(ACCP_NAME);
        LOG.info("Amazon Corretto Crypto Provider unavailable (" + t.getClass().getSimpleName() + "); using JDK providers");
      }
    }
    active = ecdsaProviderName();
    return active;
  }

  /** Returns the name of the provider that currently serves raw-format ECDSA verification. */
  public static String ecdsaProviderName() {
    try {
      Provider p = Signature.getInstance("SHA256withECDSAinP1363Format").getProvider();
      return p.getName();
    } catch (Exception e) {
      return "none";
    }
  }
}
