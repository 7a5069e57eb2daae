package dev.loopkit.core;

/**
 * Checks a ticket's finish line live (runs the tests, probes the endpoint) and returns evidence. Called on
 * the worker thread of the attempt after work, review and integration. An exception is a failed attempt.
 * {@code loop-oracle} provides command, HTTP-probe and composite verifiers.
 */
@FunctionalInterface
public interface Verifier {

  Verification verify(VerifyRequest request) throws Exception;
}
