package io.kubesgx.keybroker.secretprov;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * The broker's ordinary TLS certificate chain and key ({@code --tls-cert}, {@code --tls-key}, PEM) as
 * JSSE key managers for the secret-provisioning listener.
 */
final class ServerCredentials {
  private ServerCredentials() {}

  /**
   * Loads the PEM chain (leaf first) and the PEM key (PKCS#8, PKCS#1 or SEC1, unencrypted) and checks
   * that the key belongs to the leaf.
   *
   * @throws SecretProvException {@code BAD_CONFIGURATION} naming the file and what to change
   */
  static KeyManager[] keyManagers(Path certFile, Path keyFile) throws SecretProvException {
    List<X509Certificate> chain = new ArrayList<>();
    try (InputStream in = Files.newInputStream(certFile)) {
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        chain.add((X509Certificate) c);
      }
    } catch (NoSuchFileException e) {
      throw bad("--tls-cert " + certFile + ": no such file; give the PEM certificate chain of the broker's TLS certificate");
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      throw bad("--tls-cert " + certFile + " is not a PEM certificate chain; give the PEM chain, leaf first");
    }
    if (chain.isEmpty()) {
      throw bad("--tls-cert " + certFile + " holds no certificate; give the PEM chain, leaf first");
    }
    PrivateKey key = privateKey(keyFile);
    try {
      String alg = key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
      byte[] probe = "kubesgx secret-prov key check".getBytes(StandardCharsets.US_ASCII);
      Signature s = Signature.getInstance(alg);
      s.initSign(key);
      s.update(probe);
      byte[] sig = s.sign();
      s.initVerify(chain.get(0).getPublicKey());
      s.update(probe);
      if (!s.verify(sig)) {
        throw bad("--tls-key " + keyFile + " does not belong to the first certificate of --tls-cert " + certFile);
      }
    } catch (GeneralSecurityException e) {
      throw bad("--tls-key " + keyFile + " does not belong to the first certificate of --tls-cert " + certFile
          + " (or is not an RSA or EC key)");
    }
    try {
      char[] password = new char[16];
      SecureRandom r = new SecureRandom();
      for (int i = 0; i < password.length; i++) {
        password[i] = (char) ('a' + r.nextInt(26));
      }
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry("server", key, password, chain.toArray(new X509Certificate[0]));
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, password);
      return kmf.getKeyManagers();
    } catch (IOException | GeneralSecurityException e) {
      throw bad("--tls-key " + keyFile + " cannot be used for TLS: " + e.getMessage());
    }
  }

  private static PrivateKey privateKey(Path file) throws SecretProvException {
    Object o;
    try (PEMParser p = new PEMParser(Files.newBufferedReader(file, StandardCharsets.US_ASCII))) {
      o = p.readObject();
    } catch (NoSuchFileException e) {
      throw bad("--tls-key " + file + ": no such file; give the PEM private key of the broker's TLS certificate");
    } catch (IOException | RuntimeException e) {
      throw bad("--tls-key " + file + " is not a PEM private key");
    }
    try {
      JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
      if (o instanceof PEMKeyPair kp) {
        return conv.getKeyPair(kp).getPrivate();
      }
      if (o instanceof PrivateKeyInfo pki) {
        return conv.getPrivateKey(pki);
      }
    } catch (IOException e) {
      throw bad("--tls-key " + file + " is not a usable private key");
    }
    if (o instanceof PEMEncryptedKeyPair || o instanceof PKCS8EncryptedPrivateKeyInfo) {
      throw bad("--tls-key " + file + " is encrypted; give an unencrypted PEM key (as a kubernetes.io/tls Secret holds it)");
    }
    throw bad("--tls-key " + file + " holds no PEM private key (expected PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)");
  }

  private static SecretProvException bad(String message) {
    return new SecretProvException(SecretProvException.Reason.BAD_CONFIGURATION, message);
  }
}
