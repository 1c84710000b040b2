// A Flamenco custom job type (put it in the Manager's scripts/ folder):
// renders a clip as N parts, one Flamenco task each, then joins them in a
// task that depends on all parts. Input and output must be on the farm's
// shared storage. Each Worker needs deepdream and ffmpeg in its PATH.
const JOB_TYPE = {
  label: "DeepDream video (parts)",
  settings: [
    { key: "input", type: "string", subtype: "file_path", required: true,
      description: "Clip to dream over, on shared storage" },
    { key: "output", type: "string", subtype: "file_path", required: true,
      description: "Dreamed clip (.mp4 .mov .mkv .webm); parts go to OUTPUT.parts/" },
    { key: "parts", type: "int32", default: 8, required: true,
      description: "Number of parts (tasks) to split the clip into" },
    { key: "video_args", type: "string", default: "",
      description: "Extra deepdream video flags, such as --width 1280 --preset deep" },
  ],
};

function compileJob(job) {
  const s = job.settings;
  if (s.parts < 1) {
    throw "parts must be at least 1";
  }
  const extra = s.video_args.split(" ").filter((a) => a.length > 0);
  const partTasks = [];
  for (let k = 0; k < s.parts; k++) {
    const task = author.Task(`part-${k}`, "misc");
    task.addCommand(author.Command("exec", {
      exe: "deepdream",
      args: ["video", s.input, "-o", s.output, "--part", `${k}/${s.parts}`, "--quiet"].concat(extra),
    }));
    job.addTask(task);
    partTasks.push(task);
  }
  const join = author.Task("join", "misc");
  join.addCommand(author.Command("exec", { exe: "deepdream", args: ["join", s.output] }));
  for (const t of partTasks) {
    join.addDependency(t);
  }
  job.addTask(join);
}
