// A stand-in for kubernetes-sigs/nfs-subdir-external-provisioner v4 in the benchmark (docs/performance.md,
// docs/testing.md): its module is not served by the Go proxy this project can reach, so it cannot be built here.
// Written for this project from nfs-subdir's documented behaviour, on the library nfs-subdir is built on
// (sig-storage-lib-external-provisioner; v13, where nfs-subdir v4 pins v6) with client-go's default client limits
// as nfs-subdir runs: the same environment (NFS_SERVER, NFS_PATH, PROVISIONER_NAME, ENABLE_LEADER_ELECTION), a
// directory ${namespace}-${pvcName}-${pvName} made 0777 for each claim, archived as archived-<name> on delete
// unless the class says archiveOnDelete: "false" or onDelete: delete|retain. pathPattern is not supported.
// Not a product: it measures what a Go provisioner of that design costs beside nfsprov.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"
	"sigs.k8s.io/sig-storage-lib-external-provisioner/v13/controller"
)

type subdir struct {
	client                  kubernetes.Interface
	server, path, mountPath string
}

func (s *subdir) Provision(ctx context.Context, o controller.ProvisionOptions) (*v1.PersistentVolume, controller.ProvisioningState, error) {
	if o.PVC.Spec.Selector != nil {
		return nil, controller.ProvisioningFinished, errors.New("claim Selector is not supported")
	}
	name := strings.Join([]string{o.PVC.Namespace, o.PVC.Name, o.PVName}, "-")
	dir := filepath.Join(s.mountPath, name)
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return nil, controller.ProvisioningFinished, fmt.Errorf("unable to create directory to provision new pv: %w", err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		return nil, controller.ProvisioningFinished, err
	}
	pv := &v1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: o.PVName},
		Spec: v1.PersistentVolumeSpec{
			PersistentVolumeReclaimPolicy: *o.StorageClass.ReclaimPolicy,
			AccessModes:                   o.PVC.Spec.AccessModes,
			MountOptions:                  o.StorageClass.MountOptions,
			Capacity:                      v1.ResourceList{v1.ResourceStorage: o.PVC.Spec.Resources.Requests[v1.ResourceStorage]},
			PersistentVolumeSource: v1.PersistentVolumeSource{
				NFS: &v1.NFSVolumeSource{Server: s.server, Path: filepath.Join(s.path, name)},
			},
		},
	}
	return pv, controller.ProvisioningFinished, nil
}

func (s *subdir) Delete(ctx context.Context, pv *v1.PersistentVolume) error {
	if pv.Spec.NFS == nil {
		return &controller.IgnoredError{Reason: "not an NFS volume"}
	}
	name := filepath.Base(pv.Spec.NFS.Path)
	dir := filepath.Join(s.mountPath, name)
	if _, err := os.Stat(dir); os.IsNotExist(err) {
		return nil // already gone
	}
	params := map[string]string{}
	if pv.Spec.StorageClassName != "" {
		// The class's parameters say what happens to the directory; a class deleted since means archive.
		if class, err := s.client.StorageV1().StorageClasses().Get(ctx, pv.Spec.StorageClassName, metav1.GetOptions{}); err == nil {
			params = class.Parameters
		}
	}
	switch strings.ToLower(params["onDelete"]) {
	case "retain":
		return nil
	case "delete":
		return os.RemoveAll(dir)
	}
	if strings.EqualFold(params["archiveOnDelete"], "false") {
		return os.RemoveAll(dir)
	}
	return os.Rename(dir, filepath.Join(s.mountPath, "archived-"+name))
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	server, path := os.Getenv("NFS_SERVER"), os.Getenv("NFS_PATH")
	if server == "" || path == "" {
		klog.Fatal("NFS_SERVER and NFS_PATH are required")
	}
	name := os.Getenv("PROVISIONER_NAME")
	if name == "" {
		name = "k8s-sigs.io/nfs-subdir-external-provisioner"
	}
	mountPath := os.Getenv("NFS_MOUNT_PATH") // nfs-subdir: always /persistentvolumes
	if mountPath == "" {
		mountPath = "/persistentvolumes"
	}
	var config *rest.Config
	var err error
	if kc := os.Getenv("KUBECONFIG"); kc != "" {
		config, err = clientcmd.BuildConfigFromFlags("", kc)
	} else {
		config, err = rest.InClusterConfig()
	}
	if err != nil {
		klog.Fatalf("no client configuration: %v", err)
	}
	client, err := kubernetes.NewForConfig(config)
	if err != nil {
		klog.Fatalf("no client: %v", err)
	}
	leader := !strings.EqualFold(os.Getenv("ENABLE_LEADER_ELECTION"), "false")
	pc := controller.NewProvisionController(ctx, client, name, &subdir{client, server, path, mountPath},
		controller.LeaderElection(leader))
	pc.Run(ctx)
}
