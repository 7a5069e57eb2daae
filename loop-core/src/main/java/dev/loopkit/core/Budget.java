package dev.loopkit.core;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * What is left of the run's caps when an attempt starts. A worker (an agent loop) stops itself within it;
 * the engine also checks after every attempt and fails closed.
 *
 * @param tokens tokens left for the whole run
 * @param moneyUsd dollars left for the whole run
 * @param deadline when the run's wall-clock cap expires
 * @param maxTurns the most conversation turns one worker may take
 */
public record Budget(long tokens, BigDecimal moneyUsd, Instant deadline, int maxTurns) {}
