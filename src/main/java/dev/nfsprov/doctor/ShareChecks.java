package dev.nfsprov.doctor;

import dev.nfsprov.protocol.ApiErrors;
import dev.nfsprov.protocol.Names;
import dev.nfsprov.provision.Capacity;
import dev.nfsprov.usage.ShareFigures;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

/** What the controller's last usage pass recorded about each share: its space and its archives. */
public final class ShareChecks {

    private final KubernetesClient client;

    public ShareChecks(KubernetesClient client) {
        this.client = client;
    }

    public void run(Controllers.Controller controller, Report report) {
        String name = Names.statusName(controller.provisioner());
        try {
            var cm = client.configMaps()
                    .inNamespace(controller.namespace())
                    .withName(name)
                    .get();
            if (cm == null || cm.getData() == null) {
                report.add(Check.ok(
                        "shares",
                        "not recorded yet by controller " + controller.namespace() + "/" + controller.name()
                                + " (its leader's first usage pass does; none with --usage-scan-interval 0)"));
                return;
            }
            for (var e : cm.getData().entrySet()) {
                var f = ShareFigures.parse(e.getValue());
                if (f == null) continue;
                report.add(Check.ok("share " + f.name() + " (" + f.where() + ")", describe(f, Instant.now())));
            }
        } catch (KubernetesClientException e) {
            report.add(Check.unknown(
                    "shares",
                    "cannot read ConfigMap " + controller.namespace() + "/" + name + ": " + ApiErrors.describe(e)));
        }
    }

    static String describe(ShareFigures f, Instant now) {
        return Capacity.human(f.availableBytes()) + " of " + Capacity.human(f.sizeBytes()) + " available, volumes"
                + " request " + Capacity.human(f.provisionedBytes()) + "; " + f.archives() + " archive(s), "
                + Capacity.human(f.archiveBytes())
                + (f.oldestArchive() == null
                        ? ""
                        : ", oldest archived " + LocalDate.ofInstant(f.oldestArchive(), ZoneOffset.UTC))
                + " (measured " + ago(Duration.between(f.measured(), now)) + ")";
    }

    private static String ago(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 120) return s + " s ago";
        if (s < 7200) return s / 60 + " min ago";
        return s / 3600 + " h ago";
    }
}
