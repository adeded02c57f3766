package helmtest

// The checks above pass only because the chart is right: the same
// validators reject broken manifests and broken releases.

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

const goodDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: mcpgw
  namespace: mcp
  labels: {app: mcpgw}
spec:
  replicas: 2
  selector:
    matchLabels: {app: mcpgw}
  template:
    metadata:
      labels: {app: mcpgw}
    spec:
      volumes:
        - name: tmp
          emptyDir: {}
      containers:
        - name: mcpgw
          image: mcpgw:1
          ports:
            - {name: http, containerPort: 7860}
          env:
            - {name: LOG_LEVEL, value: info}
          readinessProbe:
            httpGet: {path: /readyz, port: http}
          volumeMounts:
            - {name: tmp, mountPath: /tmp}
          resources:
            requests: {memory: 128Mi}
            limits: {memory: 512Mi}
`

func TestValidatorAcceptsAGoodManifest(t *testing.T) {
	if _, err := decodeManifest([]byte(goodDeployment)); err != nil {
		t.Fatalf("the reference Deployment is rejected: %v", err)
	}
}

// TestValidatorRejectsBrokenManifests feeds manifests with one mistake each
// through decodeManifest.
func TestValidatorRejectsBrokenManifests(t *testing.T) {
	edit := func(old, new string) string {
		if !strings.Contains(goodDeployment, old) {
			t.Fatalf("test edit %q does not apply", old)
		}
		return strings.Replace(goodDeployment, old, new, 1)
	}
	for _, c := range []struct{ name, manifest, want string }{
		{"unknown field", edit("  replicas: 2", "  replicass: 2"), `unknown field "spec.replicass"`},
		{"unknown nested field", edit("image: mcpgw:1", "image: mcpgw:1\n          imagePullPolicyy: Always"), "imagePullPolicyy"},
		{"wrong type", edit("replicas: 2", `replicas: "2"`), "replicas"},
		{"wrong type deep down", edit("containerPort: 7860", "containerPort: [7860]"), "containerPort"},
		{"duplicate key", edit("  replicas: 2", "  replicas: 2\n  replicas: 3"), `"replicas" already set`},
		{"duplicate env var", edit("{name: LOG_LEVEL, value: info}", "{name: LOG_LEVEL, value: info}\n            - {name: LOG_LEVEL, value: debug}"), "LOG_LEVEL"},
		{"invalid env var name", edit("name: LOG_LEVEL", "name: 1LOG"), "env[0].name"},
		{"unknown kind", strings.Replace(goodDeployment, "kind: Deployment", "kind: Deploymentt", 1), "Deploymentt"},
		{"unknown apiVersion", strings.Replace(goodDeployment, "apps/v1", "apps/v1beta9", 1), "apps/v1beta9"},
		{"invalid name", edit("name: mcpgw\n  namespace", "name: MCPGW\n  namespace"), "metadata.name"},
		{"invalid label value", edit("labels: {app: mcpgw}\nspec", "labels: {app: \"mcp gw\"}\nspec"), "metadata.labels"},
		{"selector misses the pods", edit("matchLabels: {app: mcpgw}", "matchLabels: {app: other}"), "does not match template"},
		{"probe on an undeclared port", edit("port: http}", "port: web}"), "readinessProbe.httpGet.port"},
		{"mount of an undeclared volume", edit("{name: tmp, mountPath: /tmp}", "{name: scratch, mountPath: /tmp}"), "volumeMounts[0].name"},
		{"request above limit", edit("requests: {memory: 128Mi}", "requests: {memory: 1Gi}"), "must be less than or equal to memory limit"},
		{"bad quantity", edit("requests: {memory: 128Mi}", "requests: {memory: lots}"), "quantities must match"},
		{"uppercase container name", edit("- name: mcpgw\n", "- name: MCPGW\n"), "containers[0].name"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := decodeManifest([]byte(c.manifest))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("validation gave %v; want an error containing %q", err, c.want)
			}
		})
	}
	service := `apiVersion: v1
kind: Service
metadata: {name: 1mcpgw, namespace: mcp}
spec:
  selector: {app: mcpgw}
  ports: [{name: http, port: 80, targetPort: http}]
`
	if _, err := decodeManifest([]byte(service)); err == nil || !strings.Contains(err.Error(), "metadata.name") {
		t.Errorf("a Service name that is no DNS-1035 label: %v", err)
	}
}

// TestCheckReleaseFindsBrokenReleases breaks one thing at a time in a
// valid rendered release and expects checkRelease to name it.
func TestCheckReleaseFindsBrokenReleases(t *testing.T) {
	s := settingsOf(t)
	for _, c := range []struct {
		name   string
		mutate func(r *rendered)
		want   string
	}{
		{"readiness on the wrong path", func(r *rendered) {
			gateway(t, r).ReadinessProbe.HTTPGet.Path = "/healthz"
		}, "readiness probe"},
		{"liveness on another port", func(r *rendered) {
			gateway(t, r).LivenessProbe.HTTPGet.Port = intstr.FromInt32(9090)
		}, "liveness probe"},
		{"Service selecting nothing", func(r *rendered) {
			serviceOf(t, r).Spec.Selector["app.kubernetes.io/component"] = "web"
		}, "does not select the gateway pods"},
		{"Service on the wrong port", func(r *rendered) {
			serviceOf(t, r).Spec.Ports[0].TargetPort = intstr.FromInt32(8080)
		}, "not the gateway's port"},
		{"a setting mcpgw does not have", func(r *rendered) {
			gw := gateway(t, r)
			gw.Env = append(gw.Env, corev1.EnvVar{Name: "SHUTDOWN_GRACE", Value: "5s"})
		}, "SHUTDOWN_GRACE, which is not a setting"},
		{"a Secret key that is not there", func(r *rendered) {
			gw := gateway(t, r)
			for _, e := range gw.Env {
				if e.Name == "SECRET_KEY" {
					e.ValueFrom.SecretKeyRef.Key = "SECRET-KEY"
				}
			}
		}, "reads key SECRET-KEY of Secret"},
		{"grace period shorter than the drain", func(r *rendered) {
			g := int64(30)
			deployment(t, r).Spec.Template.Spec.TerminationGracePeriodSeconds = &g
		}, "terminationGracePeriodSeconds"},
		{"no drain delay", func(r *rendered) {
			configMapOf(t, r).Data["SHUTDOWN_DRAIN_DELAY"] = "0s"
		}, "SHUTDOWN_DRAIN_DELAY is 0s"},
		{"a writable root filesystem", func(r *rendered) {
			f := false
			gateway(t, r).SecurityContext.ReadOnlyRootFilesystem = &f
		}, "writable root filesystem"},
		{"no pod checksum", func(r *rendered) {
			delete(deployment(t, r).Spec.Template.Annotations, "checksum/config")
		}, "checksum/config"},
		{"migrations twice", func(r *rendered) {
			configMapOf(t, r).Data["MIGRATE_ON_START"] = "true"
		}, "MIGRATE_ON_START"},
		{"METRICS_ADDR on another port than the metrics port", func(r *rendered) {
			configMapOf(t, r).Data["METRICS_ADDR"] = ":9100"
		}, "METRICS_ADDR = \":9100\" but the metrics container port is 9090"},
		{"no metrics container port", func(r *rendered) {
			gw := gateway(t, r)
			gw.Ports = gw.Ports[:1]
		}, "port named metrics is 0"},
		{"metrics on the Service unasked", func(r *rendered) {
			svc := serviceOf(t, r)
			svc.Spec.Ports = append(svc.Spec.Ports, corev1.ServicePort{Name: "metrics", Port: 9090, TargetPort: intstr.FromString("metrics")})
		}, "Service port metrics present: true"},
		{"Service metrics port to the http port", func(r *rendered) {
			svc := serviceOf(t, r)
			svc.Spec.Ports = append(svc.Spec.Ports, corev1.ServicePort{Name: "metrics", Port: 9090, TargetPort: intstr.FromString("http")})
		}, "Service port metrics targets http"},
		{"scrape annotation on the main port", func(r *rendered) {
			deployment(t, r).Spec.Template.Annotations["prometheus.io/port"] = "7860"
		}, "prometheus.io/port 7860, but /metrics is served on port 9090"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, err := render(t, "mcpgw", parseValues(t, "secrets: {secretKey: "+key+"}"))
			if err != nil {
				t.Fatal(err)
			}
			if p := checkRelease(r, s); len(p) > 0 {
				t.Fatalf("the unbroken release has problems: %v", p)
			}
			c.mutate(r)
			p := checkRelease(r, s)
			if !strings.Contains(strings.Join(p, "\n"), c.want) {
				t.Fatalf("checkRelease found %q; want a problem containing %q", p, c.want)
			}
		})
	}
}

func gateway(t *testing.T, r *rendered) *corev1.Container {
	t.Helper()
	return container(deployment(t, r).Spec.Template.Spec.Containers, "mcpgw")
}

func serviceOf(t *testing.T, r *rendered) *corev1.Service {
	t.Helper()
	m, err := r.one("Service")
	if err != nil {
		t.Fatal(err)
	}
	return m.obj.(*corev1.Service)
}
