package io.kubesgx.ratls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Exact encodings (RFC 8949 written out by hand) and the strictness of the decoder. */
class DiceCborTest {
  private static byte[] hex(String s) {
    return HexFormat.of().parseHex(s.replace(" ", ""));
  }

  @Test
  void encodeEvidence_smallInputs_matchHandWrittenCbor() {
    // d9 ea60: tag 60000; 82: array(2); 43 010203: bstr(3); 41 ff: bstr(1)
    assertArrayEquals(hex("d9ea60 82 43 010203 41 ff"), DiceCbor.encodeEvidence(hex("010203"), hex("ff")));
  }

  @Test
  void encodeClaims_sha256_matchesHandWrittenCbor() {
    byte[] h = new byte[32];
    h[0] = 0x55;
    // a1: map(1); 6b "pubkey-hash"; 58 24: bstr(36) = 82 01 58 20 <32 bytes>
    String expected = "a1 6b 7075626b65792d68617368 58 24 82 01 5820 55" + "00".repeat(31);
    assertArrayEquals(hex(expected), DiceCbor.encodeClaims(1, h));
  }

  @Test
  void decode_roundTrip_returnsInputs() throws Exception {
    byte[] h = new byte[48];
    DiceCbor.Evidence e = DiceCbor.decodeEvidence(DiceCbor.encodeEvidence(hex("0102"), DiceCbor.encodeClaims(7, h)));
    assertArrayEquals(hex("0102"), e.quote());
    DiceCbor.PubkeyHash ph = DiceCbor.decodeClaims(e.claims()).orElseThrow();
    assertEquals(7, ph.algId());
    assertArrayEquals(h, ph.hash());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "",                              // empty
      "82 41 01 41 02",                // untagged
      "d9ea61 82 41 01 41 02",         // other tag
      "c1 d9ea60 82 41 01 41 02",      // two tags
      "d9ea60 83 41 01 41 02 41 03",   // three items
      "d9ea60 81 41 01",               // one item
      "d9ea60 9f 41 01 41 02 ff",      // indefinite array
      "d9ea60 82 5f 41 01 ff 41 02",   // indefinite (chunked) bstr
      "d9ea60 82 61 61 41 02",         // text instead of bytes
      "d9ea60 82 c1 41 01 41 02",      // tagged inner bstr
      "d9ea60 82 41 01 41 02 00",      // trailing byte
      "d9ea60 82 41 01",               // truncated
      "d9ea60 82 5a 7fffffff 41 02",   // declared length beyond the input
      "d9ea60 82 5b 7fffffffffffffff", // 8-byte length
      "d9ea60 a1 41 01 41 02",         // map instead of array
      // 64-bit heads whose low 32 bits look valid: a decoder that truncates them reads something else
      "db 000000010000ea60 82 41 01 41 02",   // tag 2^32 + 60000
      "da 8000ea60 82 41 01 41 02",           // tag 2^31 + 60000
      "d9ea60 9b 0000000100000002 41 01 41 02", // array of 2^32 + 2 items
      "d9ea60 9a 80000002 41 01 41 02",       // array of 2^31 + 2 items
      "d9ea60 82 5b 0000000100000001 01 41 02", // bstr of 2^32 + 1 bytes
      "d9ea60 82 5a 80000001 01 41 02",       // bstr of 2^31 + 1 bytes
      "d9ea60 82 41 01 41 02 c1",             // trailing tag head with no item (found by differential fuzzing)
      "d9ea60 82 41 01 41 02 d9ea60"          // trailing tag head with no item
  })
  void decodeEvidence_malformed_throwsCborException(String h) {
    assertThrows(DiceCbor.CborException.class, () -> DiceCbor.decodeEvidence(hex(h)));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "",                                         // empty
      "80",                                       // array, not map
      "bf 61 61 01 ff",                           // indefinite map
      "a2 61 61 01 61 61 02",                     // duplicate key
      "a1 01 02",                                 // integer key
      "a1 41 61 02",                              // byte-string key
      "a1 60 02",                                 // empty key
      "a1 7f 61 61 ff 01",                        // indefinite text key
      "a1 61 61 9f 01 ff",                        // unknown claim with an indefinite array
      "a1 61 61 5f 41 01 ff",                     // unknown claim with a chunked bstr
      "a1 61 61 01 00",                           // trailing byte
      "a1 6b 7075626b65792d68617368 01",          // pubkey-hash not a bstr
      "a1 6b 7075626b65792d68617368 43 820141",   // pubkey-hash entry truncated
      "a1 6b 7075626b65792d68617368 44 83010101", // pubkey-hash entry of 3 items
      "a1 6b 7075626b65792d68617368 44 82200140", // negative algorithm id
      "a1 6b 7075626b65792d68617368 44 82610140", // text algorithm id
      "a1 6b 7075626b65792d68617368 45 8201400000", // bytes after the entry
      "a1 6b 7075626b65792d68617368 4b 821b0000000100000000 40", // algorithm id beyond 32 bits
      "bb 0000000100000001 61 61 01",             // map of 2^32 + 1 entries
      "a1 7b 0000000100000001 61 01",             // text key of 2^32 + 1 bytes
      "a1 61 61 9b 0000000100000001 01",          // unknown claim: array of 2^32 + 1 items
      "a1 6b 7075626b65792d68617368 4b 9b0000000100000002 01 40", // pubkey-hash entry of 2^32 + 2 items
      "a0 d6",                                    // trailing tag head with no item (found by differential fuzzing)
      "a1 61 61 01 d9ea60",                       // trailing tag head with no item
      "a1 6b 7075626b65792d68617368 44 820140c1", // pubkey-hash entry with a trailing tag head
      "a1 61 61 62 6b a2",                        // unknown claim: text that is not UTF-8 (found by differential fuzzing)
      "a1 61 61 81 a1 61 78 63 ed a0 80",         // nested unknown claim: UTF-8-encoded surrogate
      "a1 61 a2 01",                              // key that is not UTF-8
      "a1 61 61 c1 62 c3 28"                      // tagged text that is not UTF-8
  })
  void decodeClaims_malformed_throwsCborException(String h) {
    assertThrows(DiceCbor.CborException.class, () -> DiceCbor.decodeClaims(hex(h)));
  }

  @Test
  void decodeEvidence_nonShortestHeads_acceptedWithSameContent() throws Exception {
    // Longer-than-needed heads do not change the value (the independent decoder reads the same), so
    // they are accepted; our encoder never writes them.
    DiceCbor.Evidence e = DiceCbor.decodeEvidence(hex("da 0000ea60 98 02 59 0001 01 5a 00000001 02"));
    assertArrayEquals(hex("01"), e.quote());
    assertArrayEquals(hex("02"), e.claims());
  }

  @Test
  void decodeClaims_validUtf8InUnknownClaim_accepted() throws Exception {
    // "é" and U+1F600 as UTF-8; key and value.
    assertTrue(DiceCbor.decodeClaims(hex("a1 62 c3a9 64 f09f9880")).isEmpty());
  }

  @Test
  void decodeClaims_unknownClaimsOnly_returnsEmpty() throws Exception {
    assertTrue(DiceCbor.decodeClaims(hex("a1 65 6e6f6e6365 a1 61 78 82 01 f5")).isEmpty());
  }

  @Test
  void decodeClaims_deepNesting_throwsCborException() {
    StringBuilder sb = new StringBuilder("a1 61 61");
    sb.append(" 81".repeat(100)).append(" 00");
    assertThrows(DiceCbor.CborException.class, () -> DiceCbor.decodeClaims(hex(sb.toString())));
  }
}
