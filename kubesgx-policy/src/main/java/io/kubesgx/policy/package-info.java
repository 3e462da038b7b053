/**
 * The Microsoft Azure Attestation (MAA) attestation-policy language, grammar versions 1.0, 1.1 and
 * 1.2: {@link io.kubesgx.policy.Policy#parse} turns policy text into an immutable, pre-compiled
 * policy (or a {@link io.kubesgx.policy.PolicyParseException} with line and column), and {@link
 * io.kubesgx.policy.Policy#evaluate} runs it over incoming claims. Only the types named in {@code
 * Policy}'s API are public; the lexer, parser, evaluator and JmesPath engine are package-private.
 */
package io.kubesgx.policy;
