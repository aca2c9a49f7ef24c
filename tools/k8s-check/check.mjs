// Validates the Kubernetes manifests in deploy/kubernetes:
//  - every object against the Kubernetes API's schema (kubernetes-models, generated from the
//    Kubernetes OpenAPI definitions);
//  - the wiring between them: selectors, named ports, probes on Herald's health endpoints,
//    volumes naming objects that exist;
//  - the host config and team files in the ConfigMaps with `herald config check`.
// usage: node check.mjs REPO_ROOT HERALD_BINARY PLUGIN_DIR
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments, parse } from "yaml";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { Service } from "kubernetes-models/v1/Service";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";

const [root, herald, pluginDir] = process.argv.slice(2);
const dir = join(root, "deploy", "kubernetes");
const models = {
  "v1/ConfigMap": ConfigMap,
  "v1/PersistentVolumeClaim": PersistentVolumeClaim,
  "v1/Service": Service,
  "apps/v1/Deployment": Deployment,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
};
const failures = [];
const fail = (message) => failures.push(message);

const kustomization = parse(readFileSync(join(dir, "kustomization.yaml"), "utf8"));
const objects = [];
for (const file of kustomization.resources) {
  for (const doc of parseAllDocuments(readFileSync(join(dir, file), "utf8"))) {
    if (doc.errors.length) fail(`${file}: ${doc.errors[0].message}`);
    const obj = doc.toJS();
    if (!obj) continue;
    const Model = models[`${obj.apiVersion}/${obj.kind}`];
    if (!Model) {
      fail(`${file}: no schema for ${obj.apiVersion} ${obj.kind}`);
      continue;
    }
    try {
      new Model(obj).validate();
    } catch (e) {
      fail(`${file}: ${obj.kind} ${obj.metadata?.name}: ${e.message}`);
    }
    objects.push({ file, obj });
  }
}
const find = (kind, name) => objects.find((o) => o.obj.kind === kind && (!name || o.obj.metadata.name === name))?.obj;
const matches = (selector, labels) => Object.entries(selector).every(([k, v]) => labels?.[k] === v);

const deployment = find("Deployment");
if (!deployment) fail("no Deployment");
const pod = deployment?.spec.template;
const container = pod?.spec.containers.find((c) => c.name === "herald");
if (!container) fail("the Deployment has no container named herald");
if (deployment && !matches(deployment.spec.selector.matchLabels, pod.metadata.labels))
  fail("the Deployment's selector does not match its pod labels");
const portNames = new Set((container?.ports ?? []).map((p) => p.name));
const service = find("Service");
if (!service || !matches(service.spec.selector, pod?.metadata.labels)) fail("the Service does not select Herald's pods");
for (const p of service?.spec.ports ?? []) {
  if (typeof p.targetPort === "string" && !portNames.has(p.targetPort)) fail(`Service targetPort ${p.targetPort} is not a container port`);
}
const pdb = find("PodDisruptionBudget");
if (!pdb || !matches(pdb.spec.selector.matchLabels, pod?.metadata.labels)) fail("the PodDisruptionBudget does not select Herald's pods");
for (const [probe, path] of [["livenessProbe", "/healthz"], ["readinessProbe", "/readyz"]]) {
  const get = container?.[probe]?.httpGet;
  if (!get || get.path !== path) fail(`${probe} must GET ${path}`);
  else if (typeof get.port === "string" && !portNames.has(get.port)) fail(`${probe} port ${get.port} is not a container port`);
}
for (const v of pod?.spec.volumes ?? []) {
  if (v.configMap && !find("ConfigMap", v.configMap.name)) fail(`volume ${v.name}: no ConfigMap ${v.configMap.name}`);
  if (v.persistentVolumeClaim && !find("PersistentVolumeClaim", v.persistentVolumeClaim.claimName))
    fail(`volume ${v.name}: no PersistentVolumeClaim ${v.persistentVolumeClaim.claimName}`);
}
if (deployment?.spec.replicas > 1 && deployment?.spec.strategy?.type !== "Recreate")
  fail("several replicas on one SQLite volume");
if (pod?.spec.securityContext?.runAsNonRoot !== true) fail("the pod must run as non-root");

// The ConfigMaps' files, checked the way the platform team's CI checks its config repository.
const work = mkdtempSync(join(tmpdir(), "herald-k8s-"));
try {
  mkdirSync(join(work, "routing"));
  const hostConfig = find("ConfigMap", "herald-config")?.data?.["herald.yaml"] ?? "";
  if (!hostConfig) fail("ConfigMap herald-config has no herald.yaml");
  const routingMount = container?.volumeMounts.find((m) => m.name === "routing")?.mountPath;
  if (!hostConfig.includes(`directory: ${routingMount}`)) fail(`herald.yaml's routing directory is not ${routingMount}`);
  writeFileSync(join(work, "herald.yaml"), hostConfig.replace(`directory: ${routingMount}`, `directory: ${join(work, "routing")}`));
  for (const [name, text] of Object.entries(find("ConfigMap", "herald-routing")?.data ?? {}))
    writeFileSync(join(work, "routing", name), text);
  try {
    const out = execFileSync(herald, ["config", "check", join(work, "herald.yaml"), "--plugins", pluginDir], { encoding: "utf8" });
    console.log(out.trim().split("\n").pop());
  } catch (e) {
    fail(`herald config check on the ConfigMaps:\n${e.stdout}${e.stderr}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

for (const f of failures) console.error(`FAIL: ${f}`);
console.log(`${objects.length} Kubernetes objects validated, ${failures.length} failures`);
process.exit(failures.length ? 1 : 0);
