package dev.loopkit.temporal;

import dev.loopkit.core.InputException;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.payload.storage.ExternalStorage;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * Connects to a Temporal service: the client {@link TemporalLoopEngine} and {@link TemporalWorkerHost} take. For
 * TLS, API keys or Temporal Cloud, build the {@code WorkflowClient} with the SDK's own options instead (see the
 * README's "Running on Temporal").
 */
public final class TemporalConnection {
  private TemporalConnection() {}

  /**
   * A client for {@code target} ({@code host:port}) and {@code namespace}, plain gRPC. With {@code payloads}, every
   * payload over {@link SharedFolderStorage#DEFAULT_THRESHOLD} bytes is stored in that folder (which every host
   * and coordinator must share) and only a reference enters the workflow history.
   *
   * @param target the service's address, {@code host:port}
   * @param namespace the namespace the client works in: 1-200 letters, digits, '.', '_' or '-'
   * @param payloads the folder for large payloads, or null to keep every payload in the workflow history
   * @return the client
   * @throws InputException naming the target when it is not {@code host:port}, or the namespace when it is not
   *     1-200 letters, digits, '.', '_' or '-'
   */
  public static WorkflowClient connect(String target, String namespace, @Nullable Path payloads) {
    if (!target.matches("[A-Za-z0-9.\\-\\[\\]:]+:[0-9]{1,5}")) {
      throw new InputException("temporal target '" + target + "': expected host:port, e.g. localhost:7233");
    }
    if (!namespace.matches("[A-Za-z0-9._-]{1,200}")) {
      throw new InputException("temporal namespace '" + namespace + "': expected letters, digits, '.', '_' or '-'");
    }
    WorkflowServiceStubs service = WorkflowServiceStubs.newServiceStubs(
        WorkflowServiceStubsOptions.newBuilder().setTarget(target).build());
    return WorkflowClient.newInstance(service, options(namespace, payloads));
  }

  /**
   * Client options for {@code namespace}, with External Storage in {@code payloads} when it is given.
   *
   * @param namespace the namespace the client works in
   * @param payloads the folder for payloads over {@link SharedFolderStorage#DEFAULT_THRESHOLD} bytes, or null
   *     to keep every payload in the workflow history
   * @return the options
   */
  public static WorkflowClientOptions options(String namespace, @Nullable Path payloads) {
    WorkflowClientOptions.Builder b = WorkflowClientOptions.newBuilder().setNamespace(namespace);
    if (payloads != null) {
      b.setExternalStorage(ExternalStorage.newBuilder().setDriver(new SharedFolderStorage(payloads))
          .setPayloadSizeThreshold(SharedFolderStorage.DEFAULT_THRESHOLD).build());
    }
    return b.build();
  }
}
