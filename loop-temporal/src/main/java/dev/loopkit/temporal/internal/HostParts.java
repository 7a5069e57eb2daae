package dev.loopkit.temporal.internal;

import dev.loopkit.core.Reviewer;
import dev.loopkit.core.Verifier;
import dev.loopkit.core.Worker;
import dev.loopkit.core.Workspaces;
import dev.loopkit.core.process.Sandbox;
import org.jspecify.annotations.Nullable;

/** Not API: the host parts a worker host runs the stages of attempts with. */
public record HostParts(Workspaces workspaces, Worker worker, @Nullable Reviewer reviewer, Verifier verifier,
    Sandbox sandbox) {}
