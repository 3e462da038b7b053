package io.kubesgx.ratls;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kubesgx.ratls.RaTlsException.Reason;
import io.kubesgx.ratls.RaTlsException.Step;
import org.junit.jupiter.api.Test;

class RaTlsExceptionTest {
  @Test
  void message_detailWithLineBreaks_isOneLine() {
    // Details come from lower layers and from peers' bytes; they must not split the message or forge log lines.
    RaTlsException e = new RaTlsException(Step.EXTRACT_QUOTE, Reason.MALFORMED_EVIDENCE,
        "bad\nINFO forged line\r\u2028x\u0000y");
    assertEquals("EXTRACT_QUOTE: bad INFO forged line  x y", e.getMessage());
  }

  @Test
  void quoteRejected_detailWithLineBreak_isOneLineAndKeepsReason() {
    RaTlsException e = RaTlsException.quoteRejected(io.kubesgx.verifier.Reason.UNTRUSTED_ROOT, "a\nb", null);
    assertEquals(Reason.QUOTE_REJECTED, e.reason());
    assertEquals(-1, e.getMessage().indexOf('\n'), e.getMessage());
  }
}
