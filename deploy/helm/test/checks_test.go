package helmtest

// What the chart promises beyond valid objects: the objects fit together
// (selectors, ports, names, Secret keys), the gateway is run the way its
// code expects (probes, settings that exist, graceful drain inside the
// grace period, migrations), and it is locked down.

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"

	"helm.sh/helm/v3/pkg/release"
)

// settings is what checkRelease knows of mcpgw's configuration.
type settings struct {
	names    map[string]bool
	provider *regexp.Regexp
	seed     seedKeys
}

func (s settings) known(name string) bool { return s.names[name] || s.provider.MatchString(name) }

// problems collects what checkRelease finds.
type problems []string

func (p *problems) addf(format string, args ...any) { *p = append(*p, fmt.Sprintf(format, args...)) }

// checkRelease returns everything wrong with a rendered release; nothing
// means it is deployable as the chart promises.
func checkRelease(r *rendered, s settings) problems {
	var p problems
	for _, m := range r.objects {
		if len(m.name) > 63 {
			p.addf("%s %s: name longer than 63 characters", m.kind, m.name)
		}
	}
	dm, err := r.one("Deployment")
	if err != nil {
		p.addf("%v", err)
		return p
	}
	dep := dm.obj.(*appsv1.Deployment)
	pod := &dep.Spec.Template
	// The gateway container: what it runs and where it listens.
	gw := container(pod.Spec.Containers, "mcpgw")
	if gw == nil {
		p.addf("Deployment has no container named mcpgw")
		return p
	}
	cm := configMap(r, &p, gw)
	svc := service(r, &p)
	if cm == nil || svc == nil {
		return p
	}
	if !slices.Equal(gw.Args, []string{"serve"}) {
		p.addf("gateway container args = %q, want [serve]", gw.Args)
	}
	wantImage := r.str("image.repository") + ":" + r.str("image.tag")
	if r.str("image.tag") == "" {
		wantImage = r.str("image.repository") + ":" + r.appVersion
	}
	if d := r.str("image.digest"); d != "" {
		wantImage = r.str("image.repository") + "@" + d
	}
	if gw.Image != wantImage {
		p.addf("gateway image = %q, want %q", gw.Image, wantImage)
	}
	port := namedPort(gw, "http")
	if port == 0 {
		p.addf("gateway container has no port named http")
	}
	if listen := cm.Data["LISTEN_ADDR"]; listen != ":"+strconv.Itoa(int(port)) {
		p.addf("LISTEN_ADDR = %q but the container port is %d", listen, port)
	}
	for _, pr := range []struct {
		name  string
		probe *corev1.Probe
		path  string
	}{{"liveness", gw.LivenessProbe, "/healthz"}, {"readiness", gw.ReadinessProbe, "/readyz"}, {"startup", gw.StartupProbe, "/healthz"}} {
		if pr.probe == nil {
			if pr.name != "startup" || r.truthy("probes.startup.enabled") {
				p.addf("gateway has no %s probe", pr.name)
			}
			continue
		}
		if g := pr.probe.HTTPGet; g == nil || g.Path != pr.path || resolvePort(gw, g.Port) != port || port == 0 {
			p.addf("%s probe = %+v, want GET %s on the container port %d", pr.name, pr.probe.ProbeHandler, pr.path, port)
		}
	}

	// Replicas, or the autoscaler's.
	if r.truthy("autoscaling.enabled") {
		if dep.Spec.Replicas != nil {
			p.addf("Deployment sets replicas (%d) although the HorizontalPodAutoscaler owns them", *dep.Spec.Replicas)
		}
	} else if want := r.str("replicaCount"); dep.Spec.Replicas == nil || strconv.Itoa(int(*dep.Spec.Replicas)) != want {
		p.addf("Deployment replicas = %v, want replicaCount %s", dep.Spec.Replicas, want)
	}

	// Settings: every variable the chart sets is one mcpgw reads.
	for k := range cm.Data {
		if !s.known(k) {
			p.addf("ConfigMap sets %s, which is not a setting of mcpgw (backend/internal/config)", k)
		}
	}
	seedVars := seedVarsOf(r)
	for _, pm := range podTemplates(r) {
		for _, c := range allContainers(pm.spec) {
			for _, e := range c.Env {
				// extraEnv is the operator's (GOMEMLIMIT, HTTPS_PROXY, ...);
				// seed servers' upstream credentials are the upstreams'.
				if !s.known(e.Name) && !isExtraEnv(r, e.Name) && seedVars[e.Name] == "" {
					p.addf("%s container %s sets %s, which is not a setting of mcpgw", pm.what, c.Name, e.Name)
				}
			}
		}
	}
	checkEnvSources(r, &p, "Deployment", &pod.Spec, r.releaseObjects())
	if !hasEnv(gw, "SECRET_KEY") {
		p.addf("gateway container does not get SECRET_KEY")
	}
	if pod.Annotations["checksum/config"] == "" {
		p.addf("pod template lacks the checksum/config annotation: a changed setting would not roll the pods")
	}
	if (pod.Annotations["checksum/secret"] == "") != (r.str("secrets.existingSecret") != "") {
		p.addf("pod template checksum/secret = %q with existingSecret %q", pod.Annotations["checksum/secret"], r.str("secrets.existingSecret"))
	}

	// Graceful shutdown fits in the grace period, and drains first.
	drain, err1 := time.ParseDuration(cm.Data["SHUTDOWN_DRAIN_DELAY"])
	timeout, err2 := time.ParseDuration(cm.Data["SHUTDOWN_TIMEOUT"])
	if err1 != nil || err2 != nil {
		p.addf("SHUTDOWN_DRAIN_DELAY %q / SHUTDOWN_TIMEOUT %q are not durations", cm.Data["SHUTDOWN_DRAIN_DELAY"], cm.Data["SHUTDOWN_TIMEOUT"])
	} else {
		grace := pod.Spec.TerminationGracePeriodSeconds
		if grace == nil || time.Duration(*grace)*time.Second <= drain+timeout {
			p.addf("terminationGracePeriodSeconds %v must exceed SHUTDOWN_DRAIN_DELAY + SHUTDOWN_TIMEOUT = %v", grace, drain+timeout)
		}
		if drain <= 0 {
			p.addf("SHUTDOWN_DRAIN_DELAY is %v: behind a Service the gateway should keep serving a few seconds after SIGTERM", drain)
		}
	}

	// Security, for every pod the chart runs.
	for _, pm := range podTemplates(r) {
		checkSecurity(&p, pm.what, pm.spec)
	}
	if gw.Resources.Requests.Cpu().IsZero() || gw.Resources.Requests.Memory().IsZero() || gw.Resources.Limits.Memory().IsZero() {
		p.addf("gateway resources = %+v, want cpu and memory requests and a memory limit", gw.Resources)
	}

	// Service account.
	sa := pod.Spec.ServiceAccountName
	if r.truthy("serviceAccount.create") {
		if !hasObject(r.releaseObjects(), "ServiceAccount", sa) {
			p.addf("pods use ServiceAccount %q, which the chart does not create", sa)
		}
	}

	// The Service reaches the gateway's pods, and only them.
	podLabels := labels.Set(pod.Labels)
	sel := labels.SelectorFromSet(svc.Spec.Selector)
	if len(svc.Spec.Selector) == 0 || !sel.Matches(podLabels) {
		p.addf("Service selector %v does not select the gateway pods %v", svc.Spec.Selector, pod.Labels)
	}
	for _, pm := range podTemplates(r) {
		if pm.what != "Deployment" && sel.Matches(labels.Set(pm.labels)) {
			p.addf("Service selector %v also selects the %s's pods", svc.Spec.Selector, pm.what)
		}
	}
	for _, sp := range svc.Spec.Ports {
		want := port
		if sp.Name == "metrics" {
			want = namedPort(gw, "metrics")
		}
		if resolvePort(gw, sp.TargetPort) != want || want == 0 {
			p.addf("Service port %s targets %s, not the gateway's port %d", sp.Name, sp.TargetPort.String(), want)
		}
	}
	for _, c := range pod.Spec.TopologySpreadConstraints {
		if c.LabelSelector == nil {
			p.addf("topology spread constraint on %s has no labelSelector: it would count no pods", c.TopologyKey)
			continue
		}
		if s, err := metav1.LabelSelectorAsSelector(c.LabelSelector); err != nil || !s.Matches(podLabels) {
			p.addf("topology spread constraint on %s does not select the gateway pods", c.TopologyKey)
		}
	}

	checkSeed(r, &p, s, pod, gw, cm)
	checkMetrics(r, &p, pod, gw, cm, svc)
	checkIngress(r, &p, svc)
	checkHPA(r, &p, dep)
	checkPDB(r, &p, dep)
	checkMigrations(r, &p, dep, cm)
	checkTestHook(r, &p, svc)
	if strings.TrimSpace(r.notes) == "" {
		p.addf("NOTES.txt renders empty")
	}
	return p
}

// configMap is the settings ConfigMap: the one the gateway container reads
// with envFrom (the seed file has one of its own).
func configMap(r *rendered, p *problems, gw *corev1.Container) *corev1.ConfigMap {
	cm, err := settingsConfigMap(r, gw)
	if err != nil {
		p.addf("%v", err)
		return nil
	}
	return cm
}

func settingsConfigMap(r *rendered, gw *corev1.Container) (*corev1.ConfigMap, error) {
	if len(gw.EnvFrom) == 0 || gw.EnvFrom[0].ConfigMapRef == nil {
		return nil, fmt.Errorf("the gateway container's first envFrom is not the chart's ConfigMap: %+v", gw.EnvFrom)
	}
	name := gw.EnvFrom[0].ConfigMapRef.Name
	cm := r.get("ConfigMap", name)
	if cm == nil {
		return nil, fmt.Errorf("the gateway reads ConfigMap %s, which the chart does not render", name)
	}
	return cm.obj.(*corev1.ConfigMap), nil
}

func service(r *rendered, p *problems) *corev1.Service {
	m, err := r.one("Service")
	if err != nil {
		p.addf("%v", err)
		return nil
	}
	return m.obj.(*corev1.Service)
}

// checkMetrics: /metrics is where METRICS_ADDR says (its own named port,
// or the http one), the Service carries the metrics port only when asked,
// and scrape annotations name the port that serves /metrics.
func checkMetrics(r *rendered, p *problems, pod *corev1.PodTemplateSpec, gw *corev1.Container, cm *corev1.ConfigMap, svc *corev1.Service) {
	httpPort, metrics := namedPort(gw, "http"), namedPort(gw, "metrics")
	addr, set := cm.Data["METRICS_ADDR"]
	scrape := httpPort // where Prometheus finds /metrics
	if r.truthy("metrics.enabled") {
		scrape = metrics
		if want := r.str("metrics.port"); metrics == 0 || strconv.Itoa(int(metrics)) != want {
			p.addf("metrics.enabled but the gateway's port named metrics is %d, want metrics.port %s", metrics, want)
		}
		if addr != ":"+strconv.Itoa(int(metrics)) || metrics == 0 {
			p.addf("METRICS_ADDR = %q but the metrics container port is %d", addr, metrics)
		}
		if metrics == httpPort {
			p.addf("the metrics port is the http port %d", httpPort)
		}
	} else {
		if metrics != 0 {
			p.addf("a container port named metrics (%d) although metrics.enabled is false", metrics)
		}
		if set {
			p.addf("METRICS_ADDR = %q although metrics.enabled is false: /metrics would be on no port the chart knows", addr)
		}
	}
	if has := servicePort(svc, "metrics") != 0; has != (r.truthy("metrics.enabled") && r.truthy("metrics.service")) {
		p.addf("Service port metrics present: %t, with metrics.enabled %t and metrics.service %t", has, r.truthy("metrics.enabled"), r.truthy("metrics.service"))
	}
	a := pod.Annotations
	if r.truthy("metrics.podAnnotations") && (a["prometheus.io/scrape"] != "true" || a["prometheus.io/path"] != "/metrics") {
		p.addf("metrics.podAnnotations but the pods are annotated %v", a)
	}
	if port, ok := a["prometheus.io/port"]; ok && port != strconv.Itoa(int(scrape)) {
		p.addf("pods annotated prometheus.io/port %s, but /metrics is served on port %d", port, scrape)
	}
	if r.truthy("metrics.podAnnotations") && a["prometheus.io/port"] == "" {
		p.addf("metrics.podAnnotations but no prometheus.io/port annotation")
	}
}

// servicePort is the port of the Service's port named name, or 0.
func servicePort(svc *corev1.Service, name string) int32 {
	for _, sp := range svc.Spec.Ports {
		if sp.Name == name {
			return sp.Port
		}
	}
	return 0
}

func container(cs []corev1.Container, name string) *corev1.Container {
	for i := range cs {
		if cs[i].Name == name {
			return &cs[i]
		}
	}
	return nil
}

func allContainers(s *corev1.PodSpec) []corev1.Container {
	return append(slices.Clone(s.InitContainers), s.Containers...)
}

func namedPort(c *corev1.Container, name string) int32 {
	for _, p := range c.Ports {
		if p.Name == name {
			return p.ContainerPort
		}
	}
	return 0
}

// resolvePort is the container port a probe or Service port means.
func resolvePort(c *corev1.Container, p intstr.IntOrString) int32 {
	if p.Type == intstr.String {
		return namedPort(c, p.StrVal)
	}
	return p.IntVal
}

func hasEnv(c *corev1.Container, name string) bool {
	return slices.ContainsFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == name })
}

func hasObject(objs []*manifest, kind, name string) bool {
	return slices.ContainsFunc(objs, func(m *manifest) bool { return m.kind == kind && m.name == name })
}

// podTemplate is a pod the chart runs: the gateway's, the migration Job's,
// the helm test's.
type podTemplate struct {
	what   string
	labels map[string]string
	spec   *corev1.PodSpec
	hook   *release.Hook
}

func podTemplates(r *rendered) []podTemplate {
	var out []podTemplate
	for _, m := range r.objects {
		switch o := m.obj.(type) {
		case *appsv1.Deployment:
			out = append(out, podTemplate{"Deployment", o.Spec.Template.Labels, &o.Spec.Template.Spec, m.hook})
		case *batchv1.Job:
			out = append(out, podTemplate{"Job " + o.Name, o.Spec.Template.Labels, &o.Spec.Template.Spec, m.hook})
		case *corev1.Pod:
			out = append(out, podTemplate{"Pod " + o.Name, o.Labels, &o.Spec, m.hook})
		}
	}
	return out
}

// checkEnvSources: every ConfigMap and Secret a pod reads exists among the
// objects present when it starts (or is existingSecret), and holds the keys
// read from it.
func checkEnvSources(r *rendered, p *problems, what string, spec *corev1.PodSpec, present []*manifest) {
	existing := r.str("secrets.existingSecret")
	secrets := map[string]*corev1.Secret{}
	configMaps := map[string]*corev1.ConfigMap{}
	for _, m := range present {
		switch o := m.obj.(type) {
		case *corev1.Secret:
			secrets[o.Name] = o
		case *corev1.ConfigMap:
			configMaps[o.Name] = o
		}
	}
	for _, c := range allContainers(spec) {
		for _, ef := range c.EnvFrom {
			if ref := ef.ConfigMapRef; ref != nil && configMaps[ref.Name] == nil && !isExtraEnvFrom(r, ref.Name) {
				p.addf("%s container %s reads ConfigMap %s, which does not exist then", what, c.Name, ref.Name)
			}
		}
		for _, e := range c.Env {
			if e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
				continue
			}
			ref := e.ValueFrom.SecretKeyRef
			optional := ref.Optional != nil && *ref.Optional
			if e.Name == "SECRET_KEY" && optional {
				p.addf("%s container %s: SECRET_KEY must not be optional", what, c.Name)
			}
			if sec := secrets[ref.Name]; sec != nil {
				if _, ok := sec.StringData[ref.Key]; !ok {
					p.addf("%s container %s reads key %s of Secret %s, which it does not have", what, c.Name, ref.Key, ref.Name)
				}
				if optional {
					p.addf("%s container %s reads %s of the chart's Secret as optional: a typo would go unnoticed", what, c.Name, ref.Key)
				}
				continue
			}
			if ref.Name != existing && !isExtraEnv(r, e.Name) {
				p.addf("%s container %s reads Secret %s, which does not exist then and is not secrets.existingSecret", what, c.Name, ref.Name)
			}
		}
	}
}

func isExtraEnv(r *rendered, name string) bool {
	extra, _ := r.value("extraEnv").([]any)
	for _, e := range extra {
		if m, ok := e.(map[string]any); ok && m["name"] == name {
			return true
		}
	}
	return false
}

func isExtraEnvFrom(r *rendered, name string) bool {
	extra, _ := r.value("extraEnvFrom").([]any)
	for _, e := range extra {
		m, _ := e.(map[string]any)
		for _, src := range []string{"configMapRef", "secretRef"} {
			if ref, ok := m[src].(map[string]any); ok && ref["name"] == name {
				return true
			}
		}
	}
	return false
}

// checkSecurity: non-root, read-only root, no privilege escalation, no
// capabilities, the runtime's seccomp profile, no API token.
func checkSecurity(p *problems, what string, s *corev1.PodSpec) {
	psc := s.SecurityContext
	if psc == nil {
		psc = &corev1.PodSecurityContext{}
	}
	if s.AutomountServiceAccountToken == nil || *s.AutomountServiceAccountToken {
		p.addf("%s mounts a service account token; the gateway does not use the Kubernetes API", what)
	}
	for _, c := range allContainers(s) {
		sc := c.SecurityContext
		if sc == nil {
			sc = &corev1.SecurityContext{}
		}
		nonRoot := (sc.RunAsNonRoot != nil && *sc.RunAsNonRoot) || (sc.RunAsNonRoot == nil && psc.RunAsNonRoot != nil && *psc.RunAsNonRoot)
		if !nonRoot {
			p.addf("%s container %s may run as root", what, c.Name)
		}
		if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			p.addf("%s container %s has a writable root filesystem", what, c.Name)
		}
		if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			p.addf("%s container %s allows privilege escalation", what, c.Name)
		}
		if sc.Privileged != nil && *sc.Privileged {
			p.addf("%s container %s is privileged", what, c.Name)
		}
		if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") || len(sc.Capabilities.Add) > 0 {
			p.addf("%s container %s does not drop ALL capabilities", what, c.Name)
		}
		seccomp := sc.SeccompProfile
		if seccomp == nil {
			seccomp = psc.SeccompProfile
		}
		if seccomp == nil || seccomp.Type != corev1.SeccompProfileTypeRuntimeDefault {
			p.addf("%s container %s has no RuntimeDefault seccomp profile", what, c.Name)
		}
	}
}

func checkIngress(r *rendered, p *problems, svc *corev1.Service) {
	ings := r.find("Ingress")
	if !r.truthy("ingress.enabled") {
		if len(ings) > 0 {
			p.addf("an Ingress is rendered although ingress.enabled is false")
		}
		return
	}
	if len(ings) != 1 {
		p.addf("want one Ingress, have %d", len(ings))
		return
	}
	ing := ings[0].obj.(*networkingv1.Ingress)
	for _, rule := range ing.Spec.Rules {
		for _, path := range rule.HTTP.Paths {
			b := path.Backend.Service
			// The http port only: the metrics port is not for the world.
			ok := b.Name == svc.Name && slices.ContainsFunc(svc.Spec.Ports, func(sp corev1.ServicePort) bool {
				return sp.Name == "http" && ((b.Port.Name != "" && sp.Name == b.Port.Name) || (b.Port.Number != 0 && sp.Port == b.Port.Number))
			})
			if !ok {
				p.addf("Ingress path %s%s goes to %s:%v, not to the Service %s's http port", rule.Host, path.Path, b.Name, b.Port, svc.Name)
			}
		}
	}
}

func checkHPA(r *rendered, p *problems, dep *appsv1.Deployment) {
	hpas := r.find("HorizontalPodAutoscaler")
	if !r.truthy("autoscaling.enabled") {
		if len(hpas) > 0 {
			p.addf("a HorizontalPodAutoscaler is rendered although autoscaling.enabled is false")
		}
		return
	}
	if len(hpas) != 1 {
		p.addf("want one HorizontalPodAutoscaler, have %d", len(hpas))
		return
	}
	h := hpas[0].obj.(*autoscalingv2.HorizontalPodAutoscaler)
	if ref := h.Spec.ScaleTargetRef; ref.APIVersion != "apps/v1" || ref.Kind != "Deployment" || ref.Name != dep.Name {
		p.addf("HorizontalPodAutoscaler scales %s %s %s, not the Deployment %s", ref.APIVersion, ref.Kind, ref.Name, dep.Name)
	}
	if h.Spec.MinReplicas == nil || *h.Spec.MinReplicas > h.Spec.MaxReplicas {
		p.addf("HorizontalPodAutoscaler minReplicas %v > maxReplicas %d", h.Spec.MinReplicas, h.Spec.MaxReplicas)
	}
}

func checkPDB(r *rendered, p *problems, dep *appsv1.Deployment) {
	pdbs := r.find("PodDisruptionBudget")
	if !r.truthy("podDisruptionBudget.enabled") {
		if len(pdbs) > 0 {
			p.addf("a PodDisruptionBudget is rendered although podDisruptionBudget.enabled is false")
		}
		return
	}
	if len(pdbs) != 1 {
		p.addf("want one PodDisruptionBudget, have %d", len(pdbs))
		return
	}
	pdb := pdbs[0].obj.(*policyv1.PodDisruptionBudget)
	s, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
	if err != nil || !s.Matches(labels.Set(dep.Spec.Template.Labels)) {
		p.addf("PodDisruptionBudget selector %v does not select the gateway pods", pdb.Spec.Selector)
		return
	}
	for _, pm := range podTemplates(r) {
		if pm.what != "Deployment" && s.Matches(labels.Set(pm.labels)) {
			p.addf("PodDisruptionBudget also selects the %s's pods", pm.what)
		}
	}
}

// checkMigrations: exactly one of the Job hook, the init container, serve
// at start, or nothing applies the schema, as migrations.mode says.
func checkMigrations(r *rendered, p *problems, dep *appsv1.Deployment, cm *corev1.ConfigMap) {
	mode := r.str("migrations.mode")
	if want := strconv.FormatBool(mode == "serve"); cm.Data["MIGRATE_ON_START"] != want {
		p.addf("migrations.mode %s but MIGRATE_ON_START = %q", mode, cm.Data["MIGRATE_ON_START"])
	}
	inits := dep.Spec.Template.Spec.InitContainers
	migrateInit := slices.ContainsFunc(inits, func(c corev1.Container) bool { return slices.Equal(c.Args, []string{"migrate", "up"}) })
	if migrateInit != (mode == "initContainer") {
		p.addf("migrations.mode %s but migrating init container: %v", mode, migrateInit)
	}
	if mode == "initContainer" {
		gw, init := container(dep.Spec.Template.Spec.Containers, "mcpgw"), inits[0]
		// All but the seed file, which only serve reads (checkSeed).
		env := slices.DeleteFunc(slices.Clone(gw.Env), func(e corev1.EnvVar) bool { return e.Name == "SEED_SERVERS_FILE" })
		if !slices.EqualFunc(env, init.Env, func(a, b corev1.EnvVar) bool { return a.Name == b.Name }) || len(gw.EnvFrom) != len(init.EnvFrom) {
			p.addf("the migrating init container's environment differs from the gateway's")
		}
	}
	jobs := r.find("Job")
	if mode != "job" {
		if len(jobs) > 0 {
			p.addf("migrations.mode %s but a Job is rendered", mode)
		}
		return
	}
	if len(jobs) != 1 || jobs[0].hook == nil {
		p.addf("migrations.mode job: want one hook Job, have %d", len(jobs))
		return
	}
	jm := jobs[0]
	job := jm.obj.(*batchv1.Job)
	if !slices.Equal(jm.hook.Events, []release.HookEvent{release.HookPreInstall, release.HookPreUpgrade}) {
		p.addf("migration Job runs on %v, want pre-install and pre-upgrade", jm.hook.Events)
	}
	if !slices.Contains(jm.hook.DeletePolicies, release.HookBeforeHookCreation) {
		p.addf("migration Job lacks the before-hook-creation delete policy: the next upgrade could not recreate it")
	}
	c := job.Spec.Template.Spec.Containers
	if len(c) != 1 || !slices.Equal(c[0].Args, []string{"migrate", "up"}) {
		p.addf("migration Job containers %v; want one running migrate up", c)
		return
	}
	// It runs before the release's objects exist: only hooks of lower
	// weight are there.
	var before []*manifest
	for _, m := range r.objects {
		if m.hook != nil && m != jm && m.hook.Weight < jm.hook.Weight && slices.Contains(m.hook.Events, release.HookPreInstall) {
			before = append(before, m)
		}
	}
	checkEnvSources(r, p, "migration Job", &job.Spec.Template.Spec, before)
	// Same settings as the gateway, or migrate would validate another
	// configuration than serve.
	for k, v := range cm.Data {
		if !slices.ContainsFunc(c[0].Env, func(e corev1.EnvVar) bool { return e.Name == k && e.Value == v }) {
			p.addf("migration Job lacks %s=%s of the ConfigMap", k, v)
		}
	}
	if !hasEnv(&c[0], "DATABASE_URL") && r.str("secrets.databaseUrl")+r.str("secrets.existingSecret") != "" {
		p.addf("migration Job does not get DATABASE_URL")
	}
	sa := job.Spec.Template.Spec.ServiceAccountName
	if r.truthy("serviceAccount.create") && sa != "" && sa != "default" {
		p.addf("migration Job uses ServiceAccount %s, which the release creates only after the pre-install hook", sa)
	}
}

func checkTestHook(r *rendered, p *problems, svc *corev1.Service) {
	pods := r.find("Pod")
	if !r.truthy("tests.enabled") {
		if len(pods) > 0 {
			p.addf("a test Pod is rendered although tests.enabled is false")
		}
		return
	}
	if len(pods) != 1 || pods[0].hook == nil || !slices.Equal(pods[0].hook.Events, []release.HookEvent{release.HookTest}) {
		p.addf("want one test hook Pod, have %d", len(pods))
		return
	}
	pod := pods[0].obj.(*corev1.Pod)
	want := fmt.Sprintf("http://%s:%d/readyz", svc.Name, servicePort(svc, "http"))
	if args := pod.Spec.Containers[0].Args; !slices.Equal(args, []string{"healthcheck", "-url", want}) {
		p.addf("test Pod runs %q, want healthcheck -url %s", args, want)
	}
}
