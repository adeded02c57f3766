package helmtest

// The Kubernetes side of the check: there is no cluster or kubeconform
// here, so each manifest goes through what the API server itself would use
// on it. In order:
//
//  1. YAML to JSON, rejecting duplicate keys;
//  2. strict decoding into the typed k8s.io/api object of its apiVersion and
//     kind (unknown kinds, unknown or duplicate fields and wrong types are
//     errors, as with kubectl's --validate=strict);
//  3. the structured schema the API server uses for server-side apply,
//     embedded in client-go (wrong types, undeclared fields, duplicate keys
//     of keyed lists such as env, ports and volumes);
//  4. apimachinery's ObjectMeta validation (names, labels, annotations) and
//     a subset of the API server's per-kind validation that catches mistakes
//     a chart can make (names of containers, ports and env vars, references
//     between containers, volumes and ports, selectors that match their
//     templates, requests above limits, enums).

import (
	"fmt"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/client-go/applyconfigurations"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"
)

var (
	strictDecoder = kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, scheme.Scheme, scheme.Scheme,
		kjson.SerializerOptions{Strict: true})
	typeConverter = applyconfigurations.NewTypeConverter(scheme.Scheme)
)

// decodeManifest validates one manifest and returns it as its typed object.
func decodeManifest(doc []byte) (runtime.Object, error) {
	j, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return nil, fmt.Errorf("invalid YAML: %w", err)
	}
	// Strict decoding returns the object together with a strict-decoding
	// error (unknown or duplicate fields); either error fails.
	obj, gvk, err := strictDecoder.Decode(j, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("does not decode as a Kubernetes object: %w", err)
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(j); err != nil {
		return nil, err
	}
	if _, err := typeConverter.ObjectToTyped(u); err != nil {
		return nil, fmt.Errorf("%s does not match the API schema: %w", gvk.Kind, err)
	}
	if errs := validateObject(obj); len(errs) > 0 {
		return nil, fmt.Errorf("%s %s is invalid: %w", gvk.Kind, u.GetName(), errs.ToAggregate())
	}
	return obj, nil
}

// validateObject is the API server's validation, for the kinds a chart of
// this shape renders.
func validateObject(obj runtime.Object) field.ErrorList {
	meta, ok := obj.(metav1.Object)
	if !ok {
		return field.ErrorList{field.InternalError(nil, fmt.Errorf("%T has no metadata", obj))}
	}
	nameFn := apivalidation.NameIsDNSSubdomain
	if _, svc := obj.(*corev1.Service); svc {
		nameFn = apivalidation.NameIsDNS1035Label
	}
	errs := apivalidation.ValidateObjectMetaAccessor(meta, true, nameFn, field.NewPath("metadata"))
	spec := field.NewPath("spec")
	switch o := obj.(type) {
	case *appsv1.Deployment:
		errs = append(errs, validateSelector(o.Spec.Selector, o.Spec.Template.Labels, spec)...)
		errs = append(errs, validatePodTemplate(&o.Spec.Template, spec.Child("template"))...)
		if o.Spec.Template.Spec.RestartPolicy != "" && o.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyAlways {
			errs = append(errs, field.NotSupported(spec.Child("template", "spec", "restartPolicy"), o.Spec.Template.Spec.RestartPolicy, []string{"Always"}))
		}
		if o.Spec.Replicas != nil && *o.Spec.Replicas < 0 {
			errs = append(errs, field.Invalid(spec.Child("replicas"), *o.Spec.Replicas, "must be >= 0"))
		}
		if s := o.Spec.Strategy; s.Type == appsv1.RollingUpdateDeploymentStrategyType && s.RollingUpdate != nil {
			if isZero(s.RollingUpdate.MaxSurge) && isZero(s.RollingUpdate.MaxUnavailable) {
				errs = append(errs, field.Invalid(spec.Child("strategy", "rollingUpdate"), "0", "maxSurge and maxUnavailable may not both be 0"))
			}
		}
	case *batchv1.Job:
		// A Job's name becomes its pods' job-name label.
		for _, msg := range validation.IsDNS1123Label(o.Name) {
			errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), o.Name, msg))
		}
		errs = append(errs, validatePodTemplate(&o.Spec.Template, spec.Child("template"))...)
		if rp := o.Spec.Template.Spec.RestartPolicy; rp != corev1.RestartPolicyNever && rp != corev1.RestartPolicyOnFailure {
			errs = append(errs, field.NotSupported(spec.Child("template", "spec", "restartPolicy"), rp, []string{"Never", "OnFailure"}))
		}
	case *corev1.Pod:
		errs = append(errs, validatePodSpec(&o.Spec, spec)...)
		if rp := o.Spec.RestartPolicy; rp != "" && !slices.Contains([]corev1.RestartPolicy{"Always", "Never", "OnFailure"}, rp) {
			errs = append(errs, field.NotSupported(spec.Child("restartPolicy"), rp, []string{"Always", "Never", "OnFailure"}))
		}
	case *corev1.Service:
		errs = append(errs, validateService(o, spec)...)
	case *networkingv1.Ingress:
		errs = append(errs, validateIngress(o, spec)...)
	case *autoscalingv2.HorizontalPodAutoscaler:
		errs = append(errs, validateHPA(o, spec)...)
	case *policyv1.PodDisruptionBudget:
		if (o.Spec.MinAvailable == nil) == (o.Spec.MaxUnavailable == nil) {
			errs = append(errs, field.Invalid(spec, "", "exactly one of minAvailable and maxUnavailable must be set"))
		}
		for name, v := range map[string]*intstr.IntOrString{"minAvailable": o.Spec.MinAvailable, "maxUnavailable": o.Spec.MaxUnavailable} {
			errs = append(errs, validateIntOrPercent(v, spec.Child(name))...)
		}
		if o.Spec.Selector == nil {
			errs = append(errs, field.Required(spec.Child("selector"), ""))
		} else {
			errs = append(errs, metav1validation.ValidateLabelSelector(o.Spec.Selector, metav1validation.LabelSelectorValidationOptions{}, spec.Child("selector"))...)
		}
	case *corev1.ConfigMap:
		for k := range o.Data {
			for _, msg := range validation.IsConfigMapKey(k) {
				errs = append(errs, field.Invalid(field.NewPath("data").Key(k), k, msg))
			}
		}
	case *corev1.Secret:
		for k := range o.StringData {
			for _, msg := range validation.IsConfigMapKey(k) {
				errs = append(errs, field.Invalid(field.NewPath("stringData").Key(k), k, msg))
			}
		}
	case *corev1.ServiceAccount:
	default:
		errs = append(errs, field.Forbidden(field.NewPath("kind"), fmt.Sprintf("%T is not a kind this chart should render", obj)))
	}
	return errs
}

func isZero(v *intstr.IntOrString) bool {
	return v != nil && (v.String() == "0" || v.String() == "0%")
}

func validateIntOrPercent(v *intstr.IntOrString, p *field.Path) field.ErrorList {
	if v == nil {
		return nil
	}
	if v.Type == intstr.String {
		var errs field.ErrorList
		for _, msg := range validation.IsValidPercent(v.StrVal) {
			errs = append(errs, field.Invalid(p, v.StrVal, msg))
		}
		return errs
	}
	if v.IntVal < 0 {
		return field.ErrorList{field.Invalid(p, v.IntVal, "must be >= 0")}
	}
	return nil
}

// validateSelector: a workload's selector must be valid, non-empty and
// select its own pod template.
func validateSelector(sel *metav1.LabelSelector, podLabels map[string]string, p *field.Path) field.ErrorList {
	if sel == nil || (len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0) {
		return field.ErrorList{field.Required(p.Child("selector"), "")}
	}
	errs := metav1validation.ValidateLabelSelector(sel, metav1validation.LabelSelectorValidationOptions{}, p.Child("selector"))
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return append(errs, field.Invalid(p.Child("selector"), sel, err.Error()))
	}
	if !s.Matches(labels.Set(podLabels)) {
		errs = append(errs, field.Invalid(p.Child("template", "metadata", "labels"), podLabels, "`selector` does not match template `labels`"))
	}
	return errs
}

func validatePodTemplate(t *corev1.PodTemplateSpec, p *field.Path) field.ErrorList {
	mp := p.Child("metadata")
	errs := metav1validation.ValidateLabels(t.Labels, mp.Child("labels"))
	errs = append(errs, apivalidation.ValidateAnnotations(t.Annotations, mp.Child("annotations"))...)
	return append(errs, validatePodSpec(&t.Spec, p.Child("spec"))...)
}

func validatePodSpec(s *corev1.PodSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(s.Containers) == 0 {
		errs = append(errs, field.Required(p.Child("containers"), ""))
	}
	volumes := map[string]bool{}
	for i, v := range s.Volumes {
		vp := p.Child("volumes").Index(i)
		for _, msg := range validation.IsDNS1123Label(v.Name) {
			errs = append(errs, field.Invalid(vp.Child("name"), v.Name, msg))
		}
		if volumes[v.Name] {
			errs = append(errs, field.Duplicate(vp.Child("name"), v.Name))
		}
		volumes[v.Name] = true
	}
	names := map[string]bool{}
	check := func(c *corev1.Container, cp *field.Path) {
		for _, msg := range validation.IsDNS1123Label(c.Name) {
			errs = append(errs, field.Invalid(cp.Child("name"), c.Name, msg))
		}
		if names[c.Name] {
			errs = append(errs, field.Duplicate(cp.Child("name"), c.Name))
		}
		names[c.Name] = true
		errs = append(errs, validateContainer(c, volumes, cp)...)
	}
	for i := range s.InitContainers {
		check(&s.InitContainers[i], p.Child("initContainers").Index(i))
	}
	for i := range s.Containers {
		check(&s.Containers[i], p.Child("containers").Index(i))
	}
	if sa := s.ServiceAccountName; sa != "" {
		for _, msg := range validation.IsDNS1123Subdomain(sa) {
			errs = append(errs, field.Invalid(p.Child("serviceAccountName"), sa, msg))
		}
	}
	if g := s.TerminationGracePeriodSeconds; g != nil && *g < 0 {
		errs = append(errs, field.Invalid(p.Child("terminationGracePeriodSeconds"), *g, "must be >= 0"))
	}
	for i, c := range s.TopologySpreadConstraints {
		cp := p.Child("topologySpreadConstraints").Index(i)
		if c.MaxSkew <= 0 {
			errs = append(errs, field.Invalid(cp.Child("maxSkew"), c.MaxSkew, "must be greater than zero"))
		}
		if c.TopologyKey == "" {
			errs = append(errs, field.Required(cp.Child("topologyKey"), ""))
		}
		if !slices.Contains([]corev1.UnsatisfiableConstraintAction{corev1.DoNotSchedule, corev1.ScheduleAnyway}, c.WhenUnsatisfiable) {
			errs = append(errs, field.NotSupported(cp.Child("whenUnsatisfiable"), c.WhenUnsatisfiable, []string{"DoNotSchedule", "ScheduleAnyway"}))
		}
		if c.LabelSelector != nil {
			errs = append(errs, metav1validation.ValidateLabelSelector(c.LabelSelector, metav1validation.LabelSelectorValidationOptions{}, cp.Child("labelSelector"))...)
		}
	}
	for k, v := range s.NodeSelector {
		errs = append(errs, metav1validation.ValidateLabelName(k, p.Child("nodeSelector"))...)
		for _, msg := range validation.IsValidLabelValue(v) {
			errs = append(errs, field.Invalid(p.Child("nodeSelector").Key(k), v, msg))
		}
	}
	for i, t := range s.Tolerations {
		tp := p.Child("tolerations").Index(i)
		if t.Operator == corev1.TolerationOpExists && t.Value != "" {
			errs = append(errs, field.Invalid(tp.Child("operator"), t.Operator, "value must be empty when `operator` is 'Exists'"))
		}
		if t.Operator != "" && t.Operator != corev1.TolerationOpExists && t.Operator != corev1.TolerationOpEqual {
			errs = append(errs, field.NotSupported(tp.Child("operator"), t.Operator, []string{"Equal", "Exists"}))
		}
	}
	return errs
}

func validateContainer(c *corev1.Container, volumes map[string]bool, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if c.Image == "" {
		errs = append(errs, field.Required(p.Child("image"), ""))
	}
	if pp := c.ImagePullPolicy; pp != "" && !slices.Contains([]corev1.PullPolicy{corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever}, pp) {
		errs = append(errs, field.NotSupported(p.Child("imagePullPolicy"), pp, []string{"Always", "IfNotPresent", "Never"}))
	}
	ports := map[string]int32{}
	for i, port := range c.Ports {
		pp := p.Child("ports").Index(i)
		if port.Name != "" {
			for _, msg := range validation.IsValidPortName(port.Name) {
				errs = append(errs, field.Invalid(pp.Child("name"), port.Name, msg))
			}
			if _, dup := ports[port.Name]; dup {
				errs = append(errs, field.Duplicate(pp.Child("name"), port.Name))
			}
			ports[port.Name] = port.ContainerPort
		}
		for _, msg := range validation.IsValidPortNum(int(port.ContainerPort)) {
			errs = append(errs, field.Invalid(pp.Child("containerPort"), port.ContainerPort, msg))
		}
		if port.Protocol != "" && !slices.Contains([]corev1.Protocol{corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP}, port.Protocol) {
			errs = append(errs, field.NotSupported(pp.Child("protocol"), port.Protocol, []string{"TCP", "UDP", "SCTP"}))
		}
	}
	env := map[string]bool{}
	for i, e := range c.Env {
		ep := p.Child("env").Index(i)
		for _, msg := range validation.IsEnvVarName(e.Name) {
			errs = append(errs, field.Invalid(ep.Child("name"), e.Name, msg))
		}
		if env[e.Name] {
			errs = append(errs, field.Duplicate(ep.Child("name"), e.Name))
		}
		env[e.Name] = true
		if e.ValueFrom != nil {
			if e.Value != "" {
				errs = append(errs, field.Invalid(ep.Child("valueFrom"), "", "may not be specified when `value` is not empty"))
			}
			n := 0
			for _, set := range []bool{e.ValueFrom.SecretKeyRef != nil, e.ValueFrom.ConfigMapKeyRef != nil, e.ValueFrom.FieldRef != nil, e.ValueFrom.ResourceFieldRef != nil, e.ValueFrom.FileKeyRef != nil} {
				if set {
					n++
				}
			}
			if n != 1 {
				errs = append(errs, field.Invalid(ep.Child("valueFrom"), n, "must specify exactly one source"))
			}
			if r := e.ValueFrom.SecretKeyRef; r != nil && (r.Name == "" || r.Key == "") {
				errs = append(errs, field.Required(ep.Child("valueFrom", "secretKeyRef"), "name and key"))
			}
		}
	}
	for i, ef := range c.EnvFrom {
		efp := p.Child("envFrom").Index(i)
		if (ef.ConfigMapRef == nil) == (ef.SecretRef == nil) {
			errs = append(errs, field.Invalid(efp, "", "must specify exactly one of configMapRef and secretRef"))
		}
	}
	mounts := map[string]bool{}
	for i, m := range c.VolumeMounts {
		mp := p.Child("volumeMounts").Index(i)
		if !volumes[m.Name] {
			errs = append(errs, field.NotFound(mp.Child("name"), m.Name))
		}
		if !strings.HasPrefix(m.MountPath, "/") {
			errs = append(errs, field.Invalid(mp.Child("mountPath"), m.MountPath, "must be an absolute path"))
		}
		if mounts[m.MountPath] {
			errs = append(errs, field.Invalid(mp.Child("mountPath"), m.MountPath, "must be unique"))
		}
		mounts[m.MountPath] = true
	}
	for name, probe := range map[string]*corev1.Probe{"livenessProbe": c.LivenessProbe, "readinessProbe": c.ReadinessProbe, "startupProbe": c.StartupProbe} {
		if probe == nil {
			continue
		}
		pp := p.Child(name)
		if probe.HTTPGet == nil && probe.TCPSocket == nil && probe.Exec == nil && probe.GRPC == nil {
			errs = append(errs, field.Required(pp, "must specify a handler type"))
		}
		if g := probe.HTTPGet; g != nil {
			if !strings.HasPrefix(g.Path, "/") {
				errs = append(errs, field.Invalid(pp.Child("httpGet", "path"), g.Path, "must be an absolute path"))
			}
			if g.Port.Type == intstr.String {
				if _, ok := ports[g.Port.StrVal]; !ok {
					errs = append(errs, field.NotFound(pp.Child("httpGet", "port"), g.Port.StrVal))
				}
			} else {
				for _, msg := range validation.IsValidPortNum(int(g.Port.IntVal)) {
					errs = append(errs, field.Invalid(pp.Child("httpGet", "port"), g.Port.IntVal, msg))
				}
			}
		}
		if name != "readinessProbe" && probe.SuccessThreshold > 1 {
			errs = append(errs, field.Invalid(pp.Child("successThreshold"), probe.SuccessThreshold, "must be 1"))
		}
		for fname, v := range map[string]int32{"periodSeconds": probe.PeriodSeconds, "timeoutSeconds": probe.TimeoutSeconds, "failureThreshold": probe.FailureThreshold} {
			if v < 0 {
				errs = append(errs, field.Invalid(pp.Child(fname), v, "must be >= 0"))
			}
		}
	}
	for name, req := range c.Resources.Requests {
		if lim, ok := c.Resources.Limits[name]; ok && req.Cmp(lim) > 0 {
			errs = append(errs, field.Invalid(p.Child("resources", "requests").Key(string(name)), req.String(), "must be less than or equal to "+string(name)+" limit of "+lim.String()))
		}
	}
	return errs
}

func validateService(s *corev1.Service, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if !slices.Contains([]corev1.ServiceType{"", corev1.ServiceTypeClusterIP, corev1.ServiceTypeNodePort, corev1.ServiceTypeLoadBalancer, corev1.ServiceTypeExternalName}, s.Spec.Type) {
		errs = append(errs, field.NotSupported(p.Child("type"), s.Spec.Type, []string{"ClusterIP", "NodePort", "LoadBalancer", "ExternalName"}))
	}
	if len(s.Spec.Ports) == 0 {
		errs = append(errs, field.Required(p.Child("ports"), ""))
	}
	names := map[string]bool{}
	for i, port := range s.Spec.Ports {
		pp := p.Child("ports").Index(i)
		if len(s.Spec.Ports) > 1 && port.Name == "" {
			errs = append(errs, field.Required(pp.Child("name"), "when there is more than one port"))
		}
		if port.Name != "" {
			for _, msg := range validation.IsDNS1123Label(port.Name) {
				errs = append(errs, field.Invalid(pp.Child("name"), port.Name, msg))
			}
			if names[port.Name] {
				errs = append(errs, field.Duplicate(pp.Child("name"), port.Name))
			}
			names[port.Name] = true
		}
		for _, msg := range validation.IsValidPortNum(int(port.Port)) {
			errs = append(errs, field.Invalid(pp.Child("port"), port.Port, msg))
		}
		if port.TargetPort.Type == intstr.String {
			for _, msg := range validation.IsValidPortName(port.TargetPort.StrVal) {
				errs = append(errs, field.Invalid(pp.Child("targetPort"), port.TargetPort.StrVal, msg))
			}
		}
		if port.NodePort != 0 && s.Spec.Type != corev1.ServiceTypeNodePort && s.Spec.Type != corev1.ServiceTypeLoadBalancer {
			errs = append(errs, field.Forbidden(pp.Child("nodePort"), "may not be used when `type` is 'ClusterIP'"))
		}
	}
	for k, v := range s.Spec.Selector {
		errs = append(errs, metav1validation.ValidateLabelName(k, p.Child("selector"))...)
		for _, msg := range validation.IsValidLabelValue(v) {
			errs = append(errs, field.Invalid(p.Child("selector").Key(k), v, msg))
		}
	}
	return errs
}

func validateIngress(in *networkingv1.Ingress, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if c := in.Spec.IngressClassName; c != nil {
		for _, msg := range validation.IsDNS1123Subdomain(*c) {
			errs = append(errs, field.Invalid(p.Child("ingressClassName"), *c, msg))
		}
	}
	for i, r := range in.Spec.Rules {
		rp := p.Child("rules").Index(i)
		if r.Host != "" {
			for _, msg := range validation.IsDNS1123Subdomain(strings.TrimPrefix(r.Host, "*.")) {
				errs = append(errs, field.Invalid(rp.Child("host"), r.Host, msg))
			}
		}
		if r.HTTP == nil || len(r.HTTP.Paths) == 0 {
			errs = append(errs, field.Required(rp.Child("http", "paths"), ""))
			continue
		}
		for j, path := range r.HTTP.Paths {
			pp := rp.Child("http", "paths").Index(j)
			if path.PathType == nil || !slices.Contains([]networkingv1.PathType{networkingv1.PathTypeExact, networkingv1.PathTypePrefix, networkingv1.PathTypeImplementationSpecific}, *path.PathType) {
				errs = append(errs, field.Required(pp.Child("pathType"), "Exact, Prefix or ImplementationSpecific"))
			}
			if !strings.HasPrefix(path.Path, "/") {
				errs = append(errs, field.Invalid(pp.Child("path"), path.Path, "must be an absolute path"))
			}
			b := path.Backend.Service
			if b == nil {
				errs = append(errs, field.Required(pp.Child("backend", "service"), ""))
				continue
			}
			if (b.Port.Name == "") == (b.Port.Number == 0) {
				errs = append(errs, field.Invalid(pp.Child("backend", "service", "port"), b.Port, "exactly one of name and number"))
			}
		}
	}
	for i, tls := range in.Spec.TLS {
		if tls.SecretName != "" {
			for _, msg := range validation.IsDNS1123Subdomain(tls.SecretName) {
				errs = append(errs, field.Invalid(p.Child("tls").Index(i).Child("secretName"), tls.SecretName, msg))
			}
		}
	}
	return errs
}

func validateHPA(h *autoscalingv2.HorizontalPodAutoscaler, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	min := int32(1)
	if h.Spec.MinReplicas != nil {
		min = *h.Spec.MinReplicas
	}
	if min < 1 {
		errs = append(errs, field.Invalid(p.Child("minReplicas"), min, "must be greater than or equal to 1"))
	}
	if h.Spec.MaxReplicas < min {
		errs = append(errs, field.Invalid(p.Child("maxReplicas"), h.Spec.MaxReplicas, "must be greater than or equal to `minReplicas`"))
	}
	ref := h.Spec.ScaleTargetRef
	if ref.Kind == "" || ref.Name == "" {
		errs = append(errs, field.Required(p.Child("scaleTargetRef"), "kind and name"))
	}
	if len(h.Spec.Metrics) == 0 {
		errs = append(errs, field.Required(p.Child("metrics"), ""))
	}
	for i, m := range h.Spec.Metrics {
		mp := p.Child("metrics").Index(i)
		if m.Type != autoscalingv2.ResourceMetricSourceType || m.Resource == nil {
			continue
		}
		t := m.Resource.Target
		if t.Type != autoscalingv2.UtilizationMetricType || t.AverageUtilization == nil || *t.AverageUtilization <= 0 {
			errs = append(errs, field.Invalid(mp.Child("resource", "target"), t, "must be a positive averageUtilization"))
		}
	}
	return errs
}
