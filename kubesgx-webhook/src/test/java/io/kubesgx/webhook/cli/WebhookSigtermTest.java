package io.kubesgx.webhook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.webhook.certs.ServingCertificates;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Review item 5: SIGTERM drains admission reviews in flight; the hook never masks exit codes. */
class WebhookSigtermTest {
  @TempDir Path tmp;

  private String[] args() throws Exception {
    ServingCertificates c = ServingCertificates.create("svc", "ns", Clock.systemUTC());
    Path cert = Files.writeString(tmp.resolve("tls.crt"), c.certPem());
    Path key = Files.writeString(tmp.resolve("tls.key"), c.keyPem());
    return new String[] {"--no-kube-api", "--port", "0", "--tls-cert", cert.toString(),
        "--tls-key", key.toString()};
  }

  @Test
  void sigterm_reviewInFlight_answeredThenExitsZero() throws Exception {
    Path log = tmp.resolve("webhook.log");
    Process p = ChildJvm.start(log, List.of(), WebhookCommand.class, args());
    try {
      Pattern listening = Pattern.compile("listening on https port (\\d+)");
      assertTrue(ChildJvm.await(p, () -> listening.matcher(ChildJvm.read(log)).find()),
          () -> "did not start: " + ChildJvm.read(log));
      Matcher m = listening.matcher(ChildJvm.read(log));
      assertTrue(m.find());
      int port = Integer.parseInt(m.group(1));
      byte[] body = ("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
          + "\"request\":{\"uid\":\"u1\",\"kind\":{\"group\":\"\",\"version\":\"v1\","
          + "\"kind\":\"Pod\"},\"operation\":\"CREATE\",\"object\":{\"apiVersion\":\"v1\","
          + "\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":"
          + "[{\"name\":\"c\",\"image\":\"x\"}]}}}}").getBytes(StandardCharsets.UTF_8);
      try (SSLSocket s = TlsTestClients.connect(port)) {
        OutputStream out = s.getOutputStream();
        out.write(("POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body, 0, 10);
        out.flush();
        Thread.sleep(300);
        p.destroy(); // SIGTERM on Linux, while the review is in flight
        Thread.sleep(500);
        out.write(body, 10, body.length - 10);
        out.flush();
        InputStream in = s.getInputStream();
        byte[] head = in.readNBytes(12);
        assertEquals("HTTP/1.1 200", new String(head, StandardCharsets.US_ASCII),
            () -> "the review in flight was not answered; output: " + ChildJvm.read(log));
      }
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "no exit after SIGTERM");
      assertEquals(0, p.exitValue(), () -> "exit status; output: " + ChildJvm.read(log));
    } finally {
      p.destroyForcibly();
    }
  }

  @Test
  void call_returnedNormallyThenSystemExit3_exitStatusIs3() throws Exception {
    Path log = tmp.resolve("exit.log");
    Process p = ChildJvm.start(log, List.of(), ChildJvm.WebhookThenExit.class, args());
    try {
      assertTrue(p.waitFor(90, TimeUnit.SECONDS), "did not exit");
      assertTrue(ChildJvm.read(log).contains("command returned 0"), () -> ChildJvm.read(log));
      assertEquals(3, p.exitValue(), () -> "a stale shutdown hook changed the exit status; "
          + "output: " + ChildJvm.read(log));
    } finally {
      p.destroyForcibly();
    }
  }
}
