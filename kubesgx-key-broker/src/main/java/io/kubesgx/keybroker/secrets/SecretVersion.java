package io.kubesgx.keybroker.secrets;

import io.kubesgx.keybroker.keys.KeyReleasePolicy;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One version of a secret: metadata, the release policy and the value. The value is readable only
 * through {@link #copyValue()}, and {@link #toString()} never shows it.
 */
public final class SecretVersion {
  /** Largest secret value in bytes (64 KiB). */
  public static final int MAX_VALUE_BYTES = 64 * 1024;

  private final String tenant;
  private final String name;
  private final String version;
  private final Optional<String> contentType;
  private final SecretAttributes attributes;
  private final Map<String, String> tags;
  private final Optional<KeyReleasePolicy> releasePolicy;
  private final Optional<String> kbsResource;
  private final byte[] value;

  /**
   * Creates a version.
   *
   * @param kbsResource the secret's KBS resource path {@code repo/type/tag}, when it has one
   * @throws IllegalArgumentException when the value is larger than {@link #MAX_VALUE_BYTES}
   */
  public SecretVersion(String tenant, String name, String version, Optional<String> contentType, SecretAttributes attributes,
      Map<String, String> tags, Optional<KeyReleasePolicy> releasePolicy, Optional<String> kbsResource, byte[] value) {
    this.tenant = Objects.requireNonNull(tenant, "tenant");
    this.name = Objects.requireNonNull(name, "name");
    this.version = Objects.requireNonNull(version, "version");
    this.contentType = Objects.requireNonNull(contentType, "contentType");
    this.attributes = Objects.requireNonNull(attributes, "attributes");
    this.tags = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(tags));
    this.releasePolicy = Objects.requireNonNull(releasePolicy, "releasePolicy");
    this.kbsResource = Objects.requireNonNull(kbsResource, "kbsResource");
    if (value.length > MAX_VALUE_BYTES) {
      throw new IllegalArgumentException("a secret value is at most " + MAX_VALUE_BYTES + " bytes");
    }
    this.value = value.clone();
  }

  public String tenant() {
    return tenant;
  }

  public String name() {
    return name;
  }

  public String version() {
    return version;
  }

  public Optional<String> contentType() {
    return contentType;
  }

  public SecretAttributes attributes() {
    return attributes;
  }

  public Map<String, String> tags() {
    return tags;
  }

  public Optional<KeyReleasePolicy> releasePolicy() {
    return releasePolicy;
  }

  /** Returns the KBS resource path ({@code repo/type/tag}) the secret is served under, if any. */
  public Optional<String> kbsResource() {
    return kbsResource;
  }

  /** Returns the value's length in bytes. */
  public int valueSize() {
    return value.length;
  }

  /** Returns a copy of the secret value; callers clear it when done. */
  public byte[] copyValue() {
    return value.clone();
  }

  /** Returns a copy with other mutable parts (same value). */
  public SecretVersion withChanges(Optional<String> contentType, SecretAttributes attributes, Map<String, String> tags,
      Optional<KeyReleasePolicy> releasePolicy, Optional<String> kbsResource) {
    return new SecretVersion(tenant, name, version, contentType, attributes, tags, releasePolicy, kbsResource, value);
  }

  @Override
  public String toString() {
    return "SecretVersion[" + tenant + "/" + name + "/" + version + ", " + value.length + " bytes]";
  }
}
