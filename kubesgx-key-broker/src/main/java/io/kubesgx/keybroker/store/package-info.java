/**
 * Storage of key versions and the audit log over JDBC (SQLite by default, PostgreSQL for replicas),
 * schema by Flyway migrations, connections by HikariCP; key material sealed with AES-256-GCM under
 * per-record data keys that are themselves sealed under the key-encryption key.
 */
package io.kubesgx.keybroker.store;
