package io.kubesgx.webhook.rules;

import java.util.List;
import java.util.Objects;

/** What the webhook answers for one request: allow unchanged, deny with a reason, or patch. */
public sealed interface AdmissionDecision {
  /** Warnings returned to the client (for example a skipped size check). */
  List<String> warnings();

  /** Admit unchanged. */
  record Allow(List<String> warnings) implements AdmissionDecision {
    /** Copies the list. */
    public Allow {
      warnings = List.copyOf(warnings);
    }
  }

  /** Reject, with a message saying what to change. */
  record Deny(DenyReason reason, String message, List<String> warnings)
      implements AdmissionDecision {
    /** Validates and copies. */
    public Deny {
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(message, "message");
      warnings = List.copyOf(warnings);
    }
  }

  /** Admit with a JSON Patch; {@code changes} describes each change for the decision log. */
  record Patch(List<JsonPatchOp> ops, List<String> changes, List<String> warnings)
      implements AdmissionDecision {
    /** Validates and copies. */
    public Patch {
      ops = List.copyOf(ops);
      changes = List.copyOf(changes);
      warnings = List.copyOf(warnings);
      if (ops.isEmpty()) {
        throw new IllegalArgumentException("a patch decision needs at least one operation");
      }
    }
  }

  /** Returns an allow decision without warnings. */
  static AdmissionDecision allow() {
    return new Allow(List.of());
  }

  /** Returns a deny decision. */
  static AdmissionDecision deny(DenyReason reason, String message) {
    return new Deny(reason, message, List.of());
  }
}
