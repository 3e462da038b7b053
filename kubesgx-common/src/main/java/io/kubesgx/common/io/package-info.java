/** File helpers shared by the services that keep state on disk: atomic writes, owner-only modes. */
package io.kubesgx.common.io;
