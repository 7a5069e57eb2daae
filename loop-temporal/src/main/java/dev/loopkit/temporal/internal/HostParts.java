package dev.loopkit.temporal.internal;

import dev.loopkit.core.Reviewer;
import dev.loopkit.core.Verifier;
import dev.loopkit.core.Worker;
import dev.loopkit.core.Workspaces;
import dev.loopkit.core.process.Sandbox;
import org.jspecify.annotations.Nullable;

/**
 * Not API: the host parts a worker host runs the stages of attempts with.
 *
 * @param workspaces opens and closes the attempts' workspaces
 * @param worker does the work of each attempt
 * @param reviewer reviews each attempt's work; null when this host has none
 * @param verifier checks each ticket's finish line in its workspace
 * @param sandbox confines every process the stages start
 */
public record HostParts(Workspaces workspaces, Worker worker, @Nullable Reviewer reviewer, Verifier verifier,
    Sandbox sandbox) {}
