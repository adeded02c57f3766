package helmtest

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
	"helm.sh/helm/v3/pkg/strvals"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// key is a valid SECRET_KEY for the tests (48 bytes).
const key = "test-secret-key-0123456789abcdefghijklmnopqrstuv"

// valueSets are the installs the chart must render into valid, coherent
// objects. Values are YAML as in a values file (-f); set, when present, is
// applied on top as with --set.
var valueSets = []struct {
	name, release, values, set string
	check                      func(t *testing.T, r *rendered)
}{
	{
		name: "defaults", release: "mcpgw",
		values: "secrets:\n  secretKey: " + key + "\n",
		check: func(t *testing.T, r *rendered) {
			dep := deployment(t, r)
			if *dep.Spec.Replicas != 2 {
				t.Errorf("default replicas %d, want 2", *dep.Spec.Replicas)
			}
			cm := configMapOf(t, r)
			if cm.Data["SHUTDOWN_DRAIN_DELAY"] != "5s" || cm.Data["LISTEN_ADDR"] != ":7860" {
				t.Errorf("default settings %v", cm.Data)
			}
			// Metrics on a port of their own, which the Service does not
			// carry, and no scrape annotations unless asked.
			gw := gateway(t, r)
			if cm.Data["METRICS_ADDR"] != ":9090" || namedPort(gw, "metrics") != 9090 {
				t.Errorf("default METRICS_ADDR %q, metrics port %d; want :9090 on a port named metrics", cm.Data["METRICS_ADDR"], namedPort(gw, "metrics"))
			}
			if svc := serviceOf(t, r); len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Name != "http" {
				t.Errorf("default Service ports %v; want http only", svc.Spec.Ports)
			}
			for k := range dep.Spec.Template.Annotations {
				if strings.HasPrefix(k, "prometheus.io/") {
					t.Errorf("default pod annotation %s", k)
				}
			}
			if !strings.Contains(r.notes, "/metrics on port 9090") {
				t.Errorf("NOTES.txt does not say where the metrics are:\n%s", r.notes)
			}
			if g := *dep.Spec.Template.Spec.TerminationGracePeriodSeconds; g != 45 {
				t.Errorf("terminationGracePeriodSeconds %d, want 5+30+10", g)
			}
			if img := dep.Spec.Template.Spec.Containers[0].Image; img != "mcpgw:"+r.appVersion {
				t.Errorf("image %s, want mcpgw:%s (the appVersion)", img, r.appVersion)
			}
			if len(r.find("Job")) != 1 || len(r.find("Secret")) != 2 {
				t.Errorf("want the migration Job and its copy of the Secret by default")
			}
			if !strings.Contains(r.notes, "secrets.databaseUrl is empty") {
				t.Errorf("NOTES.txt does not warn about the missing database URL:\n%s", r.notes)
			}
		},
	},
	{
		name: "production: ingress with TLS, autoscaling, extra secrets, scheduling", release: "gw",
		values: `
image:
  repository: registry.example.com/platform/mcpgw
  digest: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
config:
  LOG_LEVEL: warn
  HTTP_MAX_BODY_BYTES: 2097152
  HEALTH_CHECK_ENABLED: false
  TRUSTED_PROXIES: 10.0.0.0/8
  OIDC_PROVIDERS: corp
  OIDC_CORP_CLIENT_ID: mcpgw
  OIDC_CORP_ISSUER: https://login.example.com
secrets:
  secretKey: ` + key + `
  encryptionKey: MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=
  encryptionKeysPrevious: ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=
  adminPassword: correct-horse-battery-staple
  databaseUrl: postgres://mcpgw:pw@postgres.db:5432/mcpgw?sslmode=require
  redisUrl: rediss://:pw@redis.cache:6379/0
  extra:
    OIDC_CORP_CLIENT_SECRET: s3cr3t
ingress:
  enabled: true
  className: nginx
  annotations:
    nginx.ingress.kubernetes.io/proxy-buffering: "off"
  hosts:
    - host: mcp.example.com
      paths:
        - path: /
          pathType: Prefix
  tls:
    - secretName: mcp-tls
      hosts: [mcp.example.com]
autoscaling:
  enabled: true
  minReplicas: 3
  maxReplicas: 12
  targetMemoryUtilizationPercentage: 80
  behavior:
    scaleDown:
      stabilizationWindowSeconds: 300
podDisruptionBudget:
  maxUnavailable: ""
  minAvailable: 2
shutdown:
  drainDelaySeconds: 10
  timeoutSeconds: 120
nodeSelector:
  kubernetes.io/os: linux
tolerations:
  - key: dedicated
    operator: Equal
    value: gateway
    effect: NoSchedule
affinity:
  nodeAffinity:
    preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 50
        preference:
          matchExpressions:
            - key: node-role
              operator: In
              values: [gateway]
topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: topology.kubernetes.io/zone
    whenUnsatisfiable: DoNotSchedule
podAnnotations:
  example.com/team: platform
metrics:
  port: 9102
  podAnnotations: true
  service: true
extraEnv:
  - name: GOMEMLIMIT
    value: 450MiB
  - name: OIDC_PARTNER_CLIENT_SECRET
    valueFrom:
      secretKeyRef: {name: vault-oidc, key: client-secret}
extraEnvFrom:
  - configMapRef: {name: proxy-settings}
extraVolumes:
  - name: ca
    configMap:
      name: corporate-ca
extraVolumeMounts:
  - name: ca
    mountPath: /etc/ssl/certs/corporate
    readOnly: true
`,
		check: func(t *testing.T, r *rendered) {
			cm := configMapOf(t, r)
			for k, want := range map[string]string{
				"PUBLIC_URL":           "https://mcp.example.com",
				"HTTP_MAX_BODY_BYTES":  "2097152",
				"HEALTH_CHECK_ENABLED": "false",
				"SHUTDOWN_TIMEOUT":     "120s",
			} {
				if cm.Data[k] != want {
					t.Errorf("%s = %q, want %q", k, cm.Data[k], want)
				}
			}
			dep := deployment(t, r)
			if g := *dep.Spec.Template.Spec.TerminationGracePeriodSeconds; g != 140 {
				t.Errorf("terminationGracePeriodSeconds %d, want 10+120+10", g)
			}
			gw := dep.Spec.Template.Spec.Containers[0]
			for _, name := range []string{"SECRET_KEY", "ENCRYPTION_KEY", "ENCRYPTION_KEYS_PREVIOUS", "ADMIN_PASSWORD", "DATABASE_URL", "REDIS_URL", "OIDC_CORP_CLIENT_SECRET"} {
				if !hasEnv(&gw, name) {
					t.Errorf("gateway lacks %s", name)
				}
			}
			if tsc := dep.Spec.Template.Spec.TopologySpreadConstraints; len(tsc) != 1 || tsc[0].TopologyKey != "topology.kubernetes.io/zone" {
				t.Errorf("topology spread constraints %v", tsc)
			}
			if strings.Contains(r.notes, "WARNING") {
				t.Errorf("NOTES.txt warns on a complete configuration:\n%s", r.notes)
			}
			if cm.Data["METRICS_ADDR"] != ":9102" || servicePort(serviceOf(t, r), "metrics") != 9102 {
				t.Errorf("METRICS_ADDR %q, Service metrics port %d; want 9102", cm.Data["METRICS_ADDR"], servicePort(serviceOf(t, r), "metrics"))
			}
			a := dep.Spec.Template.Annotations
			if a["prometheus.io/port"] != "9102" || a["prometheus.io/scrape"] != "true" || a["example.com/team"] != "platform" {
				t.Errorf("pod annotations %v", a)
			}
			for _, m := range r.find("Job") {
				if _, ok := m.obj.(*batchv1.Job).Spec.Template.Annotations["prometheus.io/scrape"]; ok {
					t.Errorf("the migration Job's pods are annotated for scraping; they serve no metrics")
				}
			}
		},
	},
	{
		name: "existing secret", release: "mcpgw",
		values: `
secrets:
  existingSecret: mcpgw-keys
  existingSecretKeys:
    secretKey: secret-key
    encryptionKey: ENCRYPTION_KEY
    encryptionKeysPrevious: ENCRYPTION_KEYS_PREVIOUS
    adminPassword: ADMIN_PASSWORD
    databaseUrl: database-url
    redisUrl: REDIS_URL
config:
  PUBLIC_URL: https://gw.internal.example.com
`,
		check: func(t *testing.T, r *rendered) {
			if s := r.find("Secret"); len(s) != 0 {
				t.Errorf("with existingSecret the chart created %d Secrets", len(s))
			}
			for _, pm := range podTemplates(r) {
				for _, c := range allContainers(pm.spec) {
					for _, e := range c.Env {
						if ref := e.ValueFrom; ref != nil && ref.SecretKeyRef != nil && ref.SecretKeyRef.Name != "mcpgw-keys" {
							t.Errorf("%s reads Secret %s", pm.what, ref.SecretKeyRef.Name)
						}
						if e.Name == "DATABASE_URL" && e.ValueFrom.SecretKeyRef.Key != "database-url" {
							t.Errorf("DATABASE_URL from key %s, want database-url", e.ValueFrom.SecretKeyRef.Key)
						}
					}
				}
			}
		},
	},
	{
		name: "init container migrations, 3 replicas", release: "mcpgw",
		values: "migrations: {mode: initContainer}\n",
		// A key as openssl rand -base64 48 prints it: + / = survive --set.
		set: "replicaCount=3,config.DATABASE_MAX_CONNS=40,config.GROUP_CONVENTIONS=false," +
			"secrets.secretKey=q7+Vx/0bWJk1uO2Yh3Xb+9l5m/RzF0aN8cT4eS6dL1pKj2Hs9Gf3Dw7Ea5Zc4Bv==",
		check: func(t *testing.T, r *rendered) {
			if n := *deployment(t, r).Spec.Replicas; n != 3 {
				t.Errorf("replicas %d, want 3", n)
			}
			cm := configMapOf(t, r)
			if cm.Data["DATABASE_MAX_CONNS"] != "40" || cm.Data["GROUP_CONVENTIONS"] != "false" {
				t.Errorf("--set values arrive as %v", cm.Data)
			}
			for _, m := range r.find("Secret") {
				if k := m.obj.(*corev1.Secret).StringData["SECRET_KEY"]; !strings.HasSuffix(k, "Bv==") || !strings.Contains(k, "+Vx/") {
					t.Errorf("SECRET_KEY from --set arrives as %q", k)
				}
			}
		},
	},
	{
		name: "migrate at start, existing service account, NodePort, no PDB or tests", release: "edge",
		values: `
secrets: {secretKey: ` + key + `}
migrations: {mode: serve}
serviceAccount: {create: false, name: mcp-runner}
service: {type: NodePort, nodePort: 30786}
podDisruptionBudget: {enabled: false}
tests: {enabled: false}
metrics: {enabled: false, podAnnotations: true}
probes:
  startup: {enabled: false, periodSeconds: 2, timeoutSeconds: 3, failureThreshold: 60}
  liveness: {periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3}
  readiness: {periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 2}
`,
		check: func(t *testing.T, r *rendered) {
			if sa := deployment(t, r).Spec.Template.Spec.ServiceAccountName; sa != "mcp-runner" {
				t.Errorf("service account %s", sa)
			}
			if len(r.find("ServiceAccount")) != 0 {
				t.Errorf("a ServiceAccount is created although serviceAccount.create is false")
			}
			// Metrics off: /metrics stays on the main port, as before
			// METRICS_ADDR, and the annotations say so.
			if _, set := configMapOf(t, r).Data["METRICS_ADDR"]; set || namedPort(gateway(t, r), "metrics") != 0 {
				t.Errorf("metrics.enabled false, yet METRICS_ADDR or a metrics port is set")
			}
			if a := deployment(t, r).Spec.Template.Annotations; a["prometheus.io/port"] != "7860" || a["prometheus.io/path"] != "/metrics" {
				t.Errorf("scrape annotations with metrics off: %v", a)
			}
		},
	},
	{
		name: "seed servers, their secrets in secrets.extra", release: "mcpgw",
		values: seedValues,
		check: func(t *testing.T, r *rendered) {
			checkSeedServers(t, r, seedValues, "TIME_MCP_TOKEN", "SEARCH_API_KEY")
			for _, m := range r.find("Secret") {
				if sd := m.obj.(*corev1.Secret).StringData; sd["TIME_MCP_TOKEN"] != "time-token-value" || sd["SEARCH_API_KEY"] != "search-key-value" {
					t.Errorf("Secret %s lacks the seed servers' secrets", m.name)
				}
			}
		},
	},
	{
		name: "seed servers, their secret in an existing Secret, init container migrations", release: "mcpgw",
		values: seedValuesExistingSecret,
		check: func(t *testing.T, r *rendered) {
			checkSeedServers(t, r, seedValuesExistingSecret, "TIME_MCP_TOKEN")
			init := deployment(t, r).Spec.Template.Spec.InitContainers
			if len(init) != 1 {
				t.Fatalf("want the migrating init container, have %d init containers", len(init))
			}
			if m := init[0].VolumeMounts; len(m) != 1 || m[0].Name != "tmp" {
				t.Errorf("the migrating init container mounts %v; it needs only /tmp, no seed file", m)
			}
		},
	},
	{
		name: "longest release name", release: strings.Repeat("r", 53),
		values: "secrets: {secretKey: " + key + "}\n",
	},
}

func TestChartRendersValidObjects(t *testing.T) {
	s := settingsOf(t)
	for _, vs := range valueSets {
		t.Run(vs.name, func(t *testing.T) {
			vals := parseValues(t, vs.values)
			if vs.set != "" {
				if err := strvals.ParseInto(vs.set, vals); err != nil {
					t.Fatal(err)
				}
			}
			r, err := render(t, vs.release, vals)
			if err != nil {
				t.Fatal(err)
			}
			for _, problem := range checkRelease(r, s) {
				t.Error(problem)
			}
			if vs.check != nil {
				vs.check(t, r)
			}
		})
	}
}

// TestChartRefusesBadValues: a mistake stops the install with a message
// naming what to fix, before anything reaches the cluster.
func TestChartRefusesBadValues(t *testing.T) {
	for _, c := range []struct{ name, values, want string }{
		{"no secret key", "{}", "secrets.secretKey is required"},
		{"short secret key", "secrets: {secretKey: tooshort}", "secrets.secretKey must be at least 32 bytes"},
		{"secret in config", "secrets: {secretKey: " + key + "}\nconfig: {SECRET_KEY: x}", "config.SECRET_KEY is a secret"},
		{"database URL in config", "secrets: {secretKey: " + key + "}\nconfig: {DATABASE_URL: postgres://x}", "set secrets.databaseUrl"},
		{"client secret in config", "secrets: {secretKey: " + key + "}\nconfig: {OIDC_CORP_CLIENT_SECRET: x}", "under secrets.extra"},
		{"setting the chart owns", "secrets: {secretKey: " + key + "}\nconfig: {LISTEN_ADDR: ':80'}", "config.LISTEN_ADDR is set by the chart: use containerPort"},
		{"metrics address in config", "secrets: {secretKey: " + key + "}\nconfig: {METRICS_ADDR: ':9090'}", "config.METRICS_ADDR is set by the chart: use metrics.enabled and metrics.port"},
		{"metrics address in config, metrics off", "secrets: {secretKey: " + key + "}\nmetrics: {enabled: false}\nconfig: {METRICS_ADDR: ':9090'}", "config.METRICS_ADDR is set by the chart"},
		{"metrics address in extraEnv", "secrets: {secretKey: " + key + "}\nextraEnv: [{name: METRICS_ADDR, value: ':9091'}]", "extraEnv sets METRICS_ADDR"},
		{"metrics address in extraEnv, metrics off", "secrets: {secretKey: " + key + "}\nmetrics: {enabled: false}\nextraEnv: [{name: METRICS_ADDR, value: ':9091'}]", "extraEnv sets METRICS_ADDR"},
		{"metrics on the main port", "secrets: {secretKey: " + key + "}\nmetrics: {port: 7860}", "metrics.port (7860) must differ from containerPort"},
		{"metrics Service port without metrics", "secrets: {secretKey: " + key + "}\nmetrics: {enabled: false, service: true}", "metrics.service needs metrics.enabled"},
		{"metrics Service port on a load balancer", "secrets: {secretKey: " + key + "}\nmetrics: {service: true}\nservice: {type: LoadBalancer}", "would publish /metrics outside the cluster"},
		{"scrape annotation on the main port", "secrets: {secretKey: " + key + "}\npodAnnotations: {prometheus.io/port: '7860'}", "podAnnotations prometheus.io/port is 7860, but /metrics is served on port 9090"},
		{"metrics port out of range", "secrets: {secretKey: " + key + "}\nmetrics: {port: 70000}", "metrics/port"},
		{"misspelt metrics value", "secrets: {secretKey: " + key + "}\nmetrics: {podAnnotation: true}", "podAnnotation"},
		{"grace period too short", "secrets: {secretKey: " + key + "}\nterminationGracePeriodSeconds: 30", "must exceed shutdown.drainDelaySeconds + shutdown.timeoutSeconds (35)"},
		{"autoscaling min above max", "secrets: {secretKey: " + key + "}\nautoscaling: {enabled: true, minReplicas: 5, maxReplicas: 2}", "autoscaling.minReplicas (5) must not exceed"},
		{"autoscaling on CPU without a request", "secrets: {secretKey: " + key + "}\nautoscaling: {enabled: true}\nresources: {requests: {cpu: null}}", "needs resources.requests.cpu"},
		{"both PDB bounds", "secrets: {secretKey: " + key + "}\npodDisruptionBudget: {minAvailable: 1}", "exactly one of maxUnavailable and minAvailable"},
		// values.schema.json
		{"misspelt value", "secrets: {secretKey: " + key + "}\nreplicaCont: 3", "replicaCont"},
		{"wrong type", "secrets: {secretKey: " + key + "}\nreplicaCount: three", "replicaCount"},
		{"unknown migration mode", "secrets: {secretKey: " + key + "}\nmigrations: {mode: sometimes}", "migrations/mode"},
		{"lower-case setting", "secrets: {secretKey: " + key + "}\nconfig: {log_level: debug}", "log_level"},
		{"not a database URL", "secrets: {secretKey: " + key + ", databaseUrl: mysql://x}", "databaseUrl"},
		// Seed servers: values.schema.json, then the templates.
		{"seed token written out", seed("egress: {type: bearer, token: literal}"), "at '/seedServers/0/egress': additional properties 'token' not allowed"},
		{"seed header value written out", seed("egress: {type: headers, headers: [{name: X-Api-Key, value: literal}]}"), "additional properties 'value' not allowed"},
		{"seed entry without upstream_url", "secrets: {secretKey: " + key + "}\nseedServers: [{path: a, display_name: A}]", "upstream_url"},
		{"seed entry with an unknown key", seed("url: http://a"), "additional properties 'url' not allowed"},
		{"seed path not one lowercase segment", "secrets: {secretKey: " + key + "}\nseedServers: [{path: My/Server, display_name: A, upstream_url: 'http://a'}]", "/seedServers/0/path"},
		{"seed upstream not http", "secrets: {secretKey: " + key + "}\nseedServers: [{path: a, display_name: A, upstream_url: 'ftp://a'}]", "/seedServers/0/upstream_url"},
		{"seed unknown transport", seed("transport: websocket"), "/seedServers/0/transport"},
		{"seed bearer without token_env", seed("egress: {type: bearer}"), "token_env"},
		{"seed token_env without bearer", seed("egress: {token_env: A_TOKEN}"), "at '/seedServers/0/egress/token_env'"},
		{"seed headers without a header", seed("egress: {type: headers}"), "headers"},
		{"seed path twice", seed("") + "\n  - {path: a, display_name: B, upstream_url: 'http://b'}", "seedServers[1].path \"a\" is already seedServers[0].path"},
		{"seed display name another's path", seed("") + "\n  - {path: b, display_name: a, upstream_url: 'http://b'}", "seedServers[1].display_name \"a\" is already seedServers[0].path"},
		{"seed secret that is the gateway's own", seed("egress: {type: bearer, token_env: SECRET_KEY}"), "seedServers[0].egress.token_env names SECRET_KEY, the gateway's own secret"},
		{"seed secret in config", seed("egress: {type: bearer, token_env: A_TOKEN}") + "\nconfig: {A_TOKEN: x}", "config.A_TOKEN is a secret (seedServers[0].egress.token_env names it)"},
		{"seed file given twice", seed("") + "\nconfig: {SEED_SERVERS_FILE: /data/servers.yml}", "config.SEED_SERVERS_FILE is set by the chart when seedServers is not empty"},
		{"seed file given twice in extraEnv", seed("") + "\nextraEnv: [{name: SEED_SERVERS_FILE, value: /data/servers.yml}]", "extraEnv sets SEED_SERVERS_FILE"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := render(t, "mcpgw", parseValues(t, c.values))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("rendering gave %v; want an error containing %q", err, c.want)
			}
		})
	}
}

// TestChartRefusesSecretsInConfig: every setting the options table marks
// secret is refused under config (a ConfigMap: RBAC commonly lets more
// people read those than Secrets), so a new secret setting needs a line in
// the chart.
func TestChartRefusesSecretsInConfig(t *testing.T) {
	src, err := os.ReadFile(configDir + "/config.go")
	if err != nil {
		t.Fatal(err)
	}
	found := regexp.MustCompile(`(?m)^\s*\{name: "([A-Z0-9_]+)".*secret: true`).FindAllStringSubmatch(string(src), -1)
	if len(found) < 4 {
		t.Fatalf("found %d secret options in config.go; has the options table changed shape?", len(found))
	}
	for _, m := range found {
		_, err := render(t, "mcpgw", parseValues(t, "secrets: {secretKey: "+key+"}\nconfig: {"+m[1]+": x}"))
		if err == nil || !strings.Contains(err.Error(), "config."+m[1]+" is a secret") {
			t.Errorf("config.%s (a secret) renders with %v; want it refused", m[1], err)
		}
	}
}

// TestChangedSettingsRollThePods: the pod template's checksums follow the
// ConfigMap and the Secret, so `helm upgrade` with a new value restarts
// the pods, which read their settings only at start.
func TestChangedSettingsRollThePods(t *testing.T) {
	annotations := func(values string) map[string]string {
		r, err := render(t, "mcpgw", parseValues(t, values))
		if err != nil {
			t.Fatal(err)
		}
		return deployment(t, r).Spec.Template.Annotations
	}
	base := annotations("secrets: {secretKey: " + key + "}")
	cfg := annotations("secrets: {secretKey: " + key + "}\nconfig: {LOG_LEVEL: debug}")
	sec := annotations("secrets: {secretKey: " + key + "x}")
	seeded := annotations(seedValues)
	reseeded := annotations(strings.Replace(seedValues, "display_name: Time", "display_name: Clock", 1))
	if seeded["checksum/config"] == reseeded["checksum/config"] {
		t.Errorf("a changed seed server leaves checksum/config at %s", seeded["checksum/config"])
	}
	if base["checksum/config"] == cfg["checksum/config"] || base["checksum/secret"] != cfg["checksum/secret"] {
		t.Errorf("a changed setting: config checksum %s → %s, secret checksum %s → %s", base["checksum/config"], cfg["checksum/config"], base["checksum/secret"], cfg["checksum/secret"])
	}
	if base["checksum/secret"] == sec["checksum/secret"] || base["checksum/config"] != sec["checksum/config"] {
		t.Errorf("a changed secret: secret checksum %s → %s, config checksum %s → %s", base["checksum/secret"], sec["checksum/secret"], base["checksum/config"], sec["checksum/config"])
	}
}

// TestHelmLint runs `helm lint`'s rules (Chart.yaml, values, templates,
// deprecated APIs) and fails on warnings too, like `helm lint --strict`.
func TestHelmLint(t *testing.T) {
	for _, values := range []string{
		"secrets: {secretKey: " + key + "}",
		"secrets: {existingSecret: keys}\ningress: {enabled: true}\nautoscaling: {enabled: true}",
		seedValues,
	} {
		l := lint.All(chartDir, parseValues(t, values), namespace, false)
		for _, m := range l.Messages {
			if m.Severity >= support.WarningSev {
				t.Errorf("helm lint: %s", m)
			}
		}
	}
}

// TestReadmeListsEveryValue: the chart's README documents every value that
// values.schema.json declares.
func TestReadmeListsEveryValue(t *testing.T) {
	var schema map[string]any
	b, err := os.ReadFile(chartDir + "/values.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &schema); err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(chartDir + "/README.md")
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	var walk func(prefix string, s map[string]any)
	walk = func(prefix string, s map[string]any) {
		props, _ := s["properties"].(map[string]any)
		for name, sub := range props {
			p := strings.TrimPrefix(prefix+"."+name, ".")
			paths = append(paths, p)
			// Kubernetes types (resources, ...) are documented by Kubernetes.
			if m, ok := sub.(map[string]any); ok && m["type"] == "object" && !strings.HasPrefix(fmt.Sprint(m["description"]), "Kubernetes ") {
				walk(p, m)
			}
		}
	}
	walk("", schema)
	slices.Sort(paths)
	for _, p := range paths {
		if p == "global" {
			continue
		}
		if !regexp.MustCompile("`" + regexp.QuoteMeta(p) + "`").Match(readme) {
			t.Errorf("README.md does not document `%s`", p)
		}
	}
}

// seed is values with one seed server, fields (a flow mapping's content)
// added to its own.
func seed(fields string) string {
	if fields != "" {
		fields = ", " + fields
	}
	return "secrets: {secretKey: " + key + "}\nseedServers:\n  - {path: a, display_name: A, upstream_url: 'http://a.mcp.svc'" + fields + "}"
}

func settingsOf(t *testing.T) settings {
	names, provider := knownSettings(t)
	return settings{names: names, provider: provider, seed: knownSeedKeys(t)}
}

func deployment(t *testing.T, r *rendered) *appsv1.Deployment {
	t.Helper()
	m, err := r.one("Deployment")
	if err != nil {
		t.Fatal(err)
	}
	return m.obj.(*appsv1.Deployment)
}

// configMapOf is the settings ConfigMap (not the seed file's).
func configMapOf(t *testing.T, r *rendered) *corev1.ConfigMap {
	t.Helper()
	cm, err := settingsConfigMap(r, gateway(t, r))
	if err != nil {
		t.Fatal(err)
	}
	return cm
}
