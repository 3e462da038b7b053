package io.kubesgx.enclave.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.Hex;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class AesCmacTest {
  private static final String KEY = "2b7e151628aed2a6abf7158809cf4f3c";
  private static final String M64 = "6bc1bee22e409f96e93d7e117393172a" + "ae2d8a571e03ac9c9eb76fac45af8e51"
      + "30c81c46a35ce411e5fbc1191a0a52ef" + "f69f2445df4f9b17ad2b417be66c3710";

  /** RFC 4493 §4 examples 1–4: lengths 0, 16, 40 and 64 bytes. */
  @Test
  void mac_rfc4493Examples_matchPublishedTags() throws Exception {
    byte[] key = Hex.decode(KEY);
    byte[] m = Hex.decode(M64);
    assertEquals("bb1d6929e95937287fa37d129b756746", Hex.encode(AesCmac.mac(key, new byte[0])));
    assertEquals("070a16b46b4d4144f79bdd9dd04a287c", Hex.encode(AesCmac.mac(key, m, 0, 16)));
    assertEquals("dfa66747de9ae63030ca32611497c827", Hex.encode(AesCmac.mac(key, m, 0, 40)));
    assertEquals("51f0bebf7e3b9d92fc49741779363cfe", Hex.encode(AesCmac.mac(key, m)));
  }

  @Test
  void mac_offsetIntoLargerArray_sameAsCopy() throws Exception {
    byte[] key = Hex.decode(KEY);
    byte[] m = Hex.decode("00" + M64);
    assertEquals("dfa66747de9ae63030ca32611497c827", Hex.encode(AesCmac.mac(key, m, 1, 40)));
  }

  @Test
  void mac_wrongKeyLength_throws() {
    assertThrows(IllegalArgumentException.class, () -> AesCmac.mac(new byte[15], new byte[1]));
  }

  @Test
  void mac_manyThreads_sameResults() throws Exception {
    byte[] key = Hex.decode(KEY);
    byte[] m = Hex.decode(M64);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        int len = i % 65;
        results.add(pool.submit(() -> Hex.encode(AesCmac.mac(key, m, 0, len))));
      }
      for (int i = 0; i < results.size(); i++) {
        int len = i % 65;
        assertEquals(Hex.encode(AesCmac.mac(key, m, 0, len)), results.get(i).get(), "length " + len);
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(16, Bytes.of(AesCmac.mac(key, m)).length());
  }
}
