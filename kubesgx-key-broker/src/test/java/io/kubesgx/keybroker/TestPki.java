package io.kubesgx.keybroker;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.Pem;
import java.math.BigInteger;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Test helper: a throwaway CA and a 127.0.0.1 server certificate it issued, as PEM files, and clients that trust it. */
public final class TestPki {
  public final Path cert;
  public final Path key;
  public final X509Certificate ca;

  private TestPki(Path cert, Path key, X509Certificate ca) {
    this.cert = cert;
    this.key = key;
    this.ca = ca;
  }

  /** Creates the CA and the server certificate in {@code dir}. */
  public static TestPki create(Path dir) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(256);
    KeyPair caKeys = g.generateKeyPair();
    KeyPair serverKeys = g.generateKeyPair();
    X500Name caName = new X500Name("CN=kubesgx key-broker test CA");
    Date from = Date.from(Instant.now().minusSeconds(600));
    Date to = Date.from(Instant.now().plusSeconds(86400));
    JcaX509v3CertificateBuilder cb = new JcaX509v3CertificateBuilder(caName, BigInteger.ONE, from, to, caName, caKeys.getPublic());
    cb.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    X509Certificate ca = new JcaX509CertificateConverter()
        .getCertificate(cb.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate())));
    JcaX509v3CertificateBuilder sb = new JcaX509v3CertificateBuilder(caName, BigInteger.TWO, from, to,
        new X500Name("CN=127.0.0.1"), serverKeys.getPublic());
    sb.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
        new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
    X509Certificate server = new JcaX509CertificateConverter()
        .getCertificate(sb.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate())));
    Path cert = dir.resolve("tls.crt");
    Path key = dir.resolve("tls.key");
    Files.writeString(cert, Pem.encode("CERTIFICATE", Bytes.of(server.getEncoded())) + Pem.encode("CERTIFICATE", Bytes.of(ca.getEncoded())));
    Files.writeString(key, Pem.encode("PRIVATE KEY", Bytes.of(serverKeys.getPrivate().getEncoded())));
    return new TestPki(cert, key, ca);
  }

  /** Returns a TLS context that trusts only this CA. */
  public SSLContext sslContext() throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setCertificateEntry("ca", ca);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  /** Returns an HTTP client builder that trusts this CA. */
  public HttpClient.Builder httpClientBuilder() throws Exception {
    return HttpClient.newBuilder().sslContext(sslContext());
  }
}
