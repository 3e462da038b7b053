package io.kubesgx.aesm;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * An attestation key ID: which quoting enclave and algorithm a quote is requested from.
 *
 * <p>Wire layout (packed, little-endian), from Intel's {@code sgx_quote.h} ({@code common/inc}
 * in intel/linux-sgx): {@code sgx_ql_att_key_id_t} is 158 bytes —
 * id u16 @0, version u16 @2, mrsigner_length u16 @4, mrsigner[48] @6, prod_id u32 @54,
 * extended_prod_id[16] @58, config_id[64] @74, family_id[16] @138, algorithm_id u32 @154 — and
 * {@code sgx_att_key_id_ext_t} (what AESM calls carry as the 256-byte {@code sgx_att_key_id_t}) adds
 * spid[16] @158, att_key_type u16 @174 and reserved[80] @176.
 *
 * <p>Immutable; arrays are copied in and out.
 */
public final class AttKeyId {
  /** Size of {@code sgx_ql_att_key_id_t}. */
  public static final int BASE_SIZE = 158;
  /** Size of {@code sgx_att_key_id_t} / {@code sgx_att_key_id_ext_t}, as sent in AESM requests. */
  public static final int SIZE = 256;
  /** Size of the {@code sgx_ql_att_key_id_list_header_t} that precedes a SelectAttKeyID list. */
  public static final int LIST_HEADER_SIZE = 8;
  /** {@code SGX_QL_ALG_EPID}. */
  public static final int ALGORITHM_EPID = 0;
  /** {@code SGX_QL_ALG_ECDSA_P256}: the DCAP QE3. */
  public static final int ALGORITHM_ECDSA_P256 = 2;
  /** {@code SGX_QL_ALG_ECDSA_P384}. */
  public static final int ALGORITHM_ECDSA_P384 = 3;
  /** MRSIGNER of Intel's production QE3 (its QE identity), for {@link #intelEcdsaQe3()}. */
  public static final String INTEL_QE3_MRSIGNER = "8c4f5775d796503e96137f77c68a829a0056ac8ded70140b081b094490c57bff";

  private final int id;
  private final int version;
  private final int mrSignerLength;
  private final byte[] mrSigner; // 48
  private final long prodId;
  private final byte[] extendedProdId; // 16
  private final byte[] configId; // 64
  private final byte[] familyId; // 16
  private final long algorithmId;
  private final byte[] spid; // 16
  private final int attKeyType;

  private AttKeyId(Builder b) {
    this.id = b.id;
    this.version = b.version;
    this.mrSignerLength = b.mrSignerLength;
    this.mrSigner = b.mrSigner.clone();
    this.prodId = b.prodId;
    this.extendedProdId = b.extendedProdId.clone();
    this.configId = b.configId.clone();
    this.familyId = b.familyId.clone();
    this.algorithmId = b.algorithmId;
    this.spid = b.spid.clone();
    this.attKeyType = b.attKeyType;
  }

  /** Returns a builder with all fields zero. */
  public static Builder newBuilder() {
    return new Builder();
  }

  /** Returns the key ID of Intel's ECDSA-P256 QE3 (MRSIGNER {@value #INTEL_QE3_MRSIGNER}, prod ID 1). */
  public static AttKeyId intelEcdsaQe3() {
    return newBuilder()
        .mrSigner(HexFormat.of().parseHex(INTEL_QE3_MRSIGNER))
        .prodId(1)
        .algorithmId(ALGORITHM_ECDSA_P256)
        .build();
  }

  /**
   * Parses a 256-byte {@code sgx_att_key_id_ext_t} or a 158-byte {@code sgx_ql_att_key_id_t}.
   *
   * @throws IllegalArgumentException when the size is neither or mrsigner_length exceeds 48
   */
  public static AttKeyId parse(byte[] data) {
    Objects.requireNonNull(data, "data");
    if (data.length != SIZE && data.length != BASE_SIZE) {
      throw new IllegalArgumentException(
          "attestation key ID must be " + SIZE + " or " + BASE_SIZE + " bytes, got " + data.length);
    }
    ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    Builder k = newBuilder();
    k.id = Short.toUnsignedInt(b.getShort());
    k.version = Short.toUnsignedInt(b.getShort());
    k.mrSignerLength = Short.toUnsignedInt(b.getShort());
    if (k.mrSignerLength > 48) {
      throw new IllegalArgumentException("mrsigner_length " + k.mrSignerLength + " exceeds 48");
    }
    b.get(k.mrSigner);
    k.prodId = Integer.toUnsignedLong(b.getInt());
    b.get(k.extendedProdId);
    b.get(k.configId);
    b.get(k.familyId);
    k.algorithmId = Integer.toUnsignedLong(b.getInt());
    if (data.length == SIZE) {
      b.get(k.spid);
      k.attKeyType = Short.toUnsignedInt(b.getShort());
    }
    return k.build();
  }

  /** Returns the 256-byte {@code sgx_att_key_id_ext_t} encoding (reserved bytes zero). */
  public byte[] encode() {
    ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
    b.putShort((short) id).putShort((short) version).putShort((short) mrSignerLength).put(mrSigner);
    b.putInt((int) prodId).put(extendedProdId).put(configId).put(familyId).putInt((int) algorithmId);
    b.put(spid).putShort((short) attKeyType);
    return b.array();
  }

  /** Returns the 158-byte {@code sgx_ql_att_key_id_t} part, which Intel compares when selecting. */
  public byte[] encodeBase() {
    return Arrays.copyOf(encode(), BASE_SIZE);
  }

  /** Returns true when the 158-byte base parts are equal (Intel's select compares only those). */
  public boolean sameBase(AttKeyId other) {
    return Arrays.equals(encodeBase(), other.encodeBase());
  }

  /**
   * Encodes a SelectAttKeyID list: {@code sgx_ql_att_key_id_list_header_t} (id u16 = 0, version
   * u16 = 0, num_att_ids u32) followed by one 256-byte {@code sgx_att_key_id_ext_t} per entry.
   */
  public static byte[] encodeList(java.util.List<AttKeyId> ids) {
    ByteBuffer b = ByteBuffer.allocate(LIST_HEADER_SIZE + SIZE * ids.size()).order(ByteOrder.LITTLE_ENDIAN);
    b.putShort((short) 0).putShort((short) 0).putInt(ids.size());
    for (AttKeyId k : ids) {
      b.put(k.encode());
    }
    return b.array();
  }

  /**
   * Decodes a SelectAttKeyID list (see {@link #encodeList}); the size must match num_att_ids exactly.
   *
   * @throws IllegalArgumentException when the list is malformed
   */
  public static java.util.List<AttKeyId> parseList(byte[] list) {
    if (list.length < LIST_HEADER_SIZE) {
      throw new IllegalArgumentException("attestation key ID list shorter than its 8-byte header");
    }
    ByteBuffer b = ByteBuffer.wrap(list).order(ByteOrder.LITTLE_ENDIAN);
    int headerId = Short.toUnsignedInt(b.getShort());
    int headerVersion = Short.toUnsignedInt(b.getShort());
    long n = Integer.toUnsignedLong(b.getInt());
    if (headerId != 0 || headerVersion != 0) {
      throw new IllegalArgumentException("unsupported list header id " + headerId + " version " + headerVersion);
    }
    if (n * SIZE + LIST_HEADER_SIZE != list.length) {
      throw new IllegalArgumentException("list of " + n + " IDs must be " + (n * SIZE + LIST_HEADER_SIZE) + " bytes, got " + list.length);
    }
    java.util.List<AttKeyId> out = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(parse(Arrays.copyOfRange(list, LIST_HEADER_SIZE + i * SIZE, LIST_HEADER_SIZE + (i + 1) * SIZE)));
    }
    return java.util.List.copyOf(out);
  }

  /** Returns the concatenation of 256-byte IDs (the GetSupportedAttKeyIDs payload). */
  public static byte[] concat(java.util.List<AttKeyId> ids) {
    ByteBuffer b = ByteBuffer.allocate(SIZE * ids.size());
    for (AttKeyId k : ids) {
      b.put(k.encode());
    }
    return b.array();
  }

  /** Splits a GetSupportedAttKeyIDs payload into IDs; its size must be a multiple of 256. */
  public static java.util.List<AttKeyId> split(byte[] data) {
    if (data.length % SIZE != 0) {
      throw new IllegalArgumentException("supported ID list size " + data.length + " is not a multiple of " + SIZE);
    }
    java.util.List<AttKeyId> out = new java.util.ArrayList<>();
    for (int off = 0; off < data.length; off += SIZE) {
      out.add(parse(Arrays.copyOfRange(data, off, off + SIZE)));
    }
    return java.util.List.copyOf(out);
  }

  public int id() {
    return id;
  }

  public int version() {
    return version;
  }

  public int mrSignerLength() {
    return mrSignerLength;
  }

  /** Returns the 48-byte MRSIGNER field (the first {@link #mrSignerLength()} bytes are used). */
  public byte[] mrSigner() {
    return mrSigner.clone();
  }

  public long prodId() {
    return prodId;
  }

  public byte[] extendedProdId() {
    return extendedProdId.clone();
  }

  public byte[] configId() {
    return configId.clone();
  }

  public byte[] familyId() {
    return familyId.clone();
  }

  public long algorithmId() {
    return algorithmId;
  }

  public byte[] spid() {
    return spid.clone();
  }

  public int attKeyType() {
    return attKeyType;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AttKeyId other && Arrays.equals(encode(), other.encode());
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(encode());
  }

  @Override
  public String toString() {
    return "AttKeyId{algorithm=" + algorithmId + ", prodId=" + prodId + ", mrSigner="
        + HexFormat.of().formatHex(mrSigner, 0, Math.min(mrSignerLength, 48)) + "}";
  }

  /** Builds an {@link AttKeyId}; unset fields are zero. */
  public static final class Builder {
    private int id;
    private int version;
    private int mrSignerLength;
    private final byte[] mrSigner = new byte[48];
    private long prodId;
    private final byte[] extendedProdId = new byte[16];
    private final byte[] configId = new byte[64];
    private final byte[] familyId = new byte[16];
    private long algorithmId;
    private final byte[] spid = new byte[16];
    private int attKeyType;

    private Builder() {}

    public Builder id(int v) {
      this.id = u16(v, "id");
      return this;
    }

    public Builder version(int v) {
      this.version = u16(v, "version");
      return this;
    }

    /** Sets MRSIGNER (up to 48 bytes) and mrsigner_length to its length. */
    public Builder mrSigner(byte[] v) {
      if (v.length > 48) {
        throw new IllegalArgumentException("MRSIGNER longer than 48 bytes");
      }
      Arrays.fill(mrSigner, (byte) 0);
      System.arraycopy(v, 0, mrSigner, 0, v.length);
      this.mrSignerLength = v.length;
      return this;
    }

    public Builder prodId(long v) {
      this.prodId = u32(v, "prod_id");
      return this;
    }

    public Builder extendedProdId(byte[] v) {
      copy(v, extendedProdId, "extended_prod_id");
      return this;
    }

    public Builder configId(byte[] v) {
      copy(v, configId, "config_id");
      return this;
    }

    public Builder familyId(byte[] v) {
      copy(v, familyId, "family_id");
      return this;
    }

    public Builder algorithmId(long v) {
      this.algorithmId = u32(v, "algorithm_id");
      return this;
    }

    public Builder spid(byte[] v) {
      copy(v, spid, "spid");
      return this;
    }

    public Builder attKeyType(int v) {
      this.attKeyType = u16(v, "att_key_type");
      return this;
    }

    public AttKeyId build() {
      return new AttKeyId(this);
    }

    private static int u16(int v, String name) {
      if (v < 0 || v > 0xffff) {
        throw new IllegalArgumentException(name + " out of u16 range");
      }
      return v;
    }

    private static long u32(long v, String name) {
      if (v < 0 || v > 0xffffffffL) {
        throw new IllegalArgumentException(name + " out of u32 range");
      }
      return v;
    }

    private static void copy(byte[] v, byte[] dst, String name) {
      if (v.length != dst.length) {
        throw new IllegalArgumentException(name + " must be " + dst.length + " bytes");
      }
      System.arraycopy(v, 0, dst, 0, dst.length);
    }
  }
}
