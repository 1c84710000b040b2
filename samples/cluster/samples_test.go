// Package cluster holds the batch-engine samples (Slurm, Kubernetes,
// Flamenco) and the tests that check them offline.
package cluster

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// job holds the fields of a Kubernetes batch/v1 Job the samples rely on.
// sigs.k8s.io/yaml is the YAML reader Kubernetes' own tools use, so the
// manifest is read as kubectl would read it.
type job struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Spec       struct {
		CompletionMode string `json:"completionMode"`
		Completions    *int   `json:"completions"`
		Parallelism    *int   `json:"parallelism"`
		Template       struct {
			Spec struct {
				RestartPolicy string `json:"restartPolicy"`
				Containers    []struct {
					Image        string   `json:"image"`
					Command      []string `json:"command"`
					Args         []string `json:"args"`
					VolumeMounts []struct {
						Name      string `json:"name"`
						MountPath string `json:"mountPath"`
					} `json:"volumeMounts"`
				} `json:"containers"`
				Volumes []struct {
					Name                  string `json:"name"`
					PersistentVolumeClaim *struct {
						ClaimName string `json:"claimName"`
					} `json:"persistentVolumeClaim"`
				} `json:"volumes"`
			} `json:"spec"`
		} `json:"template"`
	} `json:"spec"`
}

func readJob(t *testing.T, name string) *job {
	t.Helper()
	raw, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var j job
	if err := yaml.Unmarshal(raw, &j); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if j.APIVersion != "batch/v1" || j.Kind != "Job" {
		t.Fatalf("%s: %s %s, want a batch/v1 Job", name, j.APIVersion, j.Kind)
	}
	if len(j.Spec.Template.Spec.Containers) != 1 || j.Spec.Template.Spec.RestartPolicy != "Never" {
		t.Fatalf("%s: want one container and restartPolicy Never", name)
	}
	return &j
}

// sharedMount returns where the container mounts a PersistentVolumeClaim,
// failing unless there is exactly one.
func sharedMount(t *testing.T, name string, j *job) (path, claim string) {
	t.Helper()
	c := j.Spec.Template.Spec.Containers[0]
	for _, v := range j.Spec.Template.Spec.Volumes {
		if v.PersistentVolumeClaim == nil {
			continue
		}
		for _, m := range c.VolumeMounts {
			if m.Name == v.Name {
				if path != "" {
					t.Fatalf("%s: more than one shared volume", name)
				}
				path, claim = m.MountPath, v.PersistentVolumeClaim.ClaimName
			}
		}
	}
	if path == "" {
		t.Fatalf("%s: the container mounts no PersistentVolumeClaim (the parts need a shared filesystem)", name)
	}
	return path, claim
}

// TestKubernetesManifests checks what the part command relies on: an
// Indexed Job (pods get JOB_COMPLETION_INDEX), completions equal to the N
// of --part auto/N, every pod on one shared volume holding input and
// output, and a join of the same output on the same volume.
func TestKubernetesManifests(t *testing.T) {
	parts := readJob(t, "kubernetes-parts.yaml")
	if parts.Spec.CompletionMode != "Indexed" {
		t.Fatalf("completionMode %q, want Indexed (pods need JOB_COMPLETION_INDEX)", parts.Spec.CompletionMode)
	}
	c := parts.Spec.Template.Spec.Containers[0]
	args := append(append([]string(nil), c.Command...), c.Args...)
	line := strings.Join(args, " ")
	m := regexp.MustCompile(`^video (\S+) -o (\S+) .*--part auto/(\d+)\b`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("the part command %q is not `video IN -o OUT ... --part auto/N`", line)
	}
	if parts.Spec.Completions == nil || m[3] != strconv.Itoa(*parts.Spec.Completions) {
		t.Fatalf("completions and the N of --part auto/%s differ (completions must be set and equal)", m[3])
	}
	if parts.Spec.Parallelism == nil || *parts.Spec.Parallelism < 1 || *parts.Spec.Parallelism > *parts.Spec.Completions {
		t.Fatalf("parallelism %v should be 1..completions", parts.Spec.Parallelism)
	}
	mount, claim := sharedMount(t, "kubernetes-parts.yaml", parts)
	in, out := m[1], m[2]
	for _, p := range []string{in, out} {
		if !strings.HasPrefix(p, mount+"/") {
			t.Fatalf("%s is not on the shared volume %s", p, mount)
		}
	}

	join := readJob(t, "kubernetes-join.yaml")
	jc := join.Spec.Template.Spec.Containers[0]
	if got := strings.Join(append(append([]string(nil), jc.Command...), jc.Args...), " "); got != "join "+out {
		t.Fatalf("join command %q, want %q", got, "join "+out)
	}
	jmount, jclaim := sharedMount(t, "kubernetes-join.yaml", join)
	if jmount != mount || jclaim != claim || jc.Image != c.Image {
		t.Fatalf("the join mounts %s from %s with %s; the parts %s from %s with %s", jmount, jclaim, jc.Image, mount, claim, c.Image)
	}
}

// TestShellScriptsParse checks the Slurm scripts' syntax (the Slurm test in
// cmd/deepdream runs them for real where Slurm is installed).
func TestShellScriptsParse(t *testing.T) {
	for _, f := range []string{"slurm-submit.sh", "deepdream-part.sbatch"} {
		if out, err := exec.Command("bash", "-n", f).CombinedOutput(); err != nil {
			t.Errorf("%s: %v\n%s", f, err, out)
		}
		st, err := os.Stat(f)
		if err != nil || st.Mode()&0o111 == 0 {
			t.Errorf("%s is not executable", f)
		}
	}
}

// TestFlamencoJobType runs the Flamenco job type under Node with a stand-in
// for Flamenco's author API, and checks the tasks it compiles: one per part
// with --part K/N, and a join that depends on all of them.
func TestFlamencoJobType(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed; the Flamenco job type is not checked")
	}
	src, err := os.ReadFile(filepath.Join("flamenco", "deepdream-parts.js"))
	if err != nil {
		t.Fatal(err)
	}
	harness := `
const tasks = [];
const author = {
  Task(name, type) {
    const t = { name, type, commands: [], deps: [] };
    t.addCommand = (c) => t.commands.push(c);
    t.addDependency = (d) => t.deps.push(d.name);
    return t;
  },
  Command(kind, params) { return { kind, ...params }; },
};
` + string(src) + `
const job = { settings: { input: "/farm/in.mp4", output: "/farm/out.mp4", parts: 3, video_args: "--width 640  --preset deep" },
  addTask(t) { tasks.push(t); } };
compileJob(job);
for (const t of tasks) {
  console.log(t.name + " <- [" + t.deps.join(",") + "]: " + t.commands.map((c) => c.kind + " " + c.exe + " " + c.args.join(" ")).join("; "));
}
`
	out, err := exec.Command(node, "-e", harness).CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	want := `part-0 <- []: exec deepdream video /farm/in.mp4 -o /farm/out.mp4 --part 0/3 --quiet --width 640 --preset deep
part-1 <- []: exec deepdream video /farm/in.mp4 -o /farm/out.mp4 --part 1/3 --quiet --width 640 --preset deep
part-2 <- []: exec deepdream video /farm/in.mp4 -o /farm/out.mp4 --part 2/3 --quiet --width 640 --preset deep
join <- [part-0,part-1,part-2]: exec deepdream join /farm/out.mp4
`
	if string(out) != want {
		t.Fatalf("compiled tasks:\n%s\nwant:\n%s", out, want)
	}
}
