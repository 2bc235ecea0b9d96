package dev.nfsprov.doctor;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Map;

/** What a controller's Pods say about why it is not ready. */
final class ControllerPods {
    private ControllerPods() {}

    /**
     * Why a controller Pod is not ready, from its container status: the waiting reason and the last exit's message
     * (the chart sets FallbackToLogsOnError, so a start-up error such as root squash is that message). Null when
     * there is nothing to say, or the Pods cannot be read.
     */
    static String trouble(KubernetesClient client, String namespace, Map<String, String> selector) {
        try {
            var pods = client.pods()
                    .inNamespace(namespace)
                    .withLabels(selector)
                    .list()
                    .getItems();
            for (Pod pod : pods) {
                if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) continue;
                for (ContainerStatus s : pod.getStatus().getContainerStatuses()) {
                    var waiting = s.getState() == null ? null : s.getState().getWaiting();
                    var exited =
                            s.getLastState() == null ? null : s.getLastState().getTerminated();
                    if (exited == null && s.getState() != null)
                        exited = s.getState().getTerminated();
                    String said = exited == null || exited.getMessage() == null ? "" : lastLine(exited.getMessage());
                    if (waiting == null && said.isEmpty()) continue;
                    return "Pod " + pod.getMetadata().getName()
                            + (waiting == null ? "" : " " + waiting.getReason())
                            + (exited == null ? "" : ", last exit " + exited.getExitCode())
                            + (said.isEmpty() ? "" : ": " + said);
                }
            }
        } catch (KubernetesClientException e) {
            // without Pods to read, the Deployment's state alone
        }
        return null;
    }

    private static String lastLine(String text) {
        var lines = text.strip().lines().toList();
        return lines.isEmpty() ? "" : lines.getLast();
    }
}
