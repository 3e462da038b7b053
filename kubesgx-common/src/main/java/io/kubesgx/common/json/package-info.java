/**
 * A small strict JSON reader and writer: duplicate keys, trailing garbage, deep nesting and
 * invalid escapes are rejected, so signed collateral is interpreted exactly one way.
 */
package io.kubesgx.common.json;
