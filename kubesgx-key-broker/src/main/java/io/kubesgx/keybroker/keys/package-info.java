/**
 * The key model: types (RSA 2048/3072, EC P-256/P-384, oct 128/192/256, each optionally "-HSM"),
 * attributes, release policies and versions; key material knows no wire format beyond JWK import
 * and the export forms of a release (raw or PKCS#8).
 */
package io.kubesgx.keybroker.keys;
