package io.kubesgx.ratls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.upokecenter.cbor.CBOREncodeOptions;
import com.upokecenter.cbor.CBORException;
import com.upokecenter.cbor.CBORObject;
import com.upokecenter.cbor.CBORType;
import java.util.Arrays;
import java.util.Optional;

/**
 * Differential fuzzing of {@link DiceCbor} against an independent decoder (PeterO's
 * com.upokecenter:cbor). Ours is stricter by design (no indefinite lengths, no tags inside the
 * fixed structure, text keys only), so the properties are: (1) whatever ours accepts, the oracle
 * accepts with the same content (quote, claims, pubkey-hash); (2) whatever the oracle accepts that is
 * in our schema and encoded canonically (re-encoding it gives the same bytes), ours accepts too.
 * Together: on canonical inputs both decoders agree on accept/reject, and ours never reads a value
 * the oracle reads differently.
 */
class DiceCborDifferentialFuzzTest {
  private static final CBOREncodeOptions ORACLE = new CBOREncodeOptions("allowduplicatekeys=false");
  private static final CBOREncodeOptions CANONICAL = new CBOREncodeOptions("ctap2canonical=true");

  @FuzzTest(maxDuration = "30s")
  void evidence(byte[] data) {
    DiceCbor.Evidence ours;
    try {
      ours = DiceCbor.decodeEvidence(data);
    } catch (DiceCbor.CborException e) {
      ours = null;
    }
    CBORObject o = oracle(data);
    if (ours != null) {
      assertNotNull(o, "ours accepts what the oracle refuses");
      assertTrue(o.HasOneTag() && o.HasMostOuterTag(RaTlsOids.DICE_CBOR_TAG), "tag differs");
      CBORObject arr = o.UntagOne();
      assertEquals(CBORType.Array, arr.getType());
      assertEquals(2, arr.size());
      assertArrayEquals(bstr(arr.get(0)), ours.quote(), "quote differs");
      assertArrayEquals(bstr(arr.get(1)), ours.claims(), "claims differ");
    } else if (o != null && canonical(o, data) && inEvidenceSchema(o)) {
      fail("the oracle accepts a canonical evidence ours refuses");
    }
  }

  @FuzzTest(maxDuration = "30s")
  void claims(byte[] data) {
    Optional<DiceCbor.PubkeyHash> ours;
    boolean accepted;
    try {
      ours = DiceCbor.decodeClaims(data);
      accepted = true;
    } catch (DiceCbor.CborException e) {
      ours = Optional.empty();
      accepted = false;
    }
    CBORObject o = oracle(data);
    if (accepted) {
      assertNotNull(o, "ours accepts claims the oracle refuses");
      assertEquals(CBORType.Map, o.getType());
      CBORObject entry = o.GetOrDefault(CBORObject.FromObject(DiceCbor.PUBKEY_HASH), null);
      if (ours.isEmpty()) {
        assertTrue(entry == null, "ours sees no pubkey-hash where the oracle sees one");
        return;
      }
      assertNotNull(entry, "ours sees a pubkey-hash the oracle does not");
      CBORObject arr = oracle(bstr(entry));
      assertNotNull(arr, "ours accepts a pubkey-hash entry the oracle refuses");
      assertEquals(CBORType.Array, arr.getType());
      assertEquals(2, arr.size());
      assertFalse(arr.get(0).isTagged());
      assertEquals(ours.get().algId(), arr.get(0).AsNumber().ToInt32Checked(), "algorithm id differs");
      assertArrayEquals(bstr(arr.get(1)), ours.get().hash(), "hash differs");
    } else if (o != null && canonical(o, data) && inClaimsSchema(o)) {
      fail("the oracle accepts canonical claims ours refuses");
    }
  }

  private static CBORObject oracle(byte[] data) {
    try {
      return CBORObject.DecodeFromBytes(data, ORACLE);
    } catch (CBORException | IllegalArgumentException e) {
      return null;
    }
  }

  private static boolean canonical(CBORObject o, byte[] data) {
    try {
      return Arrays.equals(o.EncodeToBytes(CANONICAL), data);
    } catch (CBORException | IllegalArgumentException e) {
      return false;
    }
  }

  private static byte[] bstr(CBORObject o) {
    assertEquals(CBORType.ByteString, o.getType());
    assertFalse(o.isTagged(), "tagged byte string");
    return o.GetByteString();
  }

  private static boolean inEvidenceSchema(CBORObject o) {
    if (!o.HasOneTag() || !o.HasMostOuterTag(RaTlsOids.DICE_CBOR_TAG)) {
      return false;
    }
    CBORObject a = o.UntagOne();
    return a.getType() == CBORType.Array && a.size() == 2 && isPlainBstr(a.get(0)) && isPlainBstr(a.get(1));
  }

  private static boolean isPlainBstr(CBORObject o) {
    return o.getType() == CBORType.ByteString && !o.isTagged();
  }

  private static boolean inClaimsSchema(CBORObject o) {
    if (o.getType() != CBORType.Map || o.isTagged() || !textKeysOnly(o, 0)) {
      return false;
    }
    for (CBORObject k : o.getKeys()) {
      if (k.isTagged() || k.AsString().isEmpty()) {
        return false;
      }
    }
    CBORObject entry = o.GetOrDefault(CBORObject.FromObject(DiceCbor.PUBKEY_HASH), null);
    if (entry == null) {
      return true;
    }
    if (!isPlainBstr(entry)) {
      return false;
    }
    CBORObject arr = oracle(entry.GetByteString());
    return arr != null && canonical(arr, entry.GetByteString()) && arr.getType() == CBORType.Array
        && arr.size() == 2 && !arr.get(0).isTagged() && arr.get(0).getType() == CBORType.Integer
        && arr.get(0).AsNumber().CanFitInInt32() && arr.get(0).AsNumber().ToInt32Checked() >= 0
        && isPlainBstr(arr.get(1));
  }

  /** Map keys at every depth are untagged text; nesting stays below our decoder's limit. */
  private static boolean textKeysOnly(CBORObject o, int depth) {
    if (depth >= 15) {
      return false;
    }
    if (o.getType() == CBORType.Map) {
      for (CBORObject k : o.getKeys()) {
        if (k.getType() != CBORType.TextString || k.isTagged() || !textKeysOnly(o.get(k), depth + 1)) {
          return false;
        }
      }
    } else if (o.getType() == CBORType.Array) {
      for (int i = 0; i < o.size(); i++) {
        if (!textKeysOnly(o.get(i), depth + 1)) {
          return false;
        }
      }
    }
    return true;
  }
}
