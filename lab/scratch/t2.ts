import * as fs from "fs";
import { Lab } from "../lab";
import { labFleetYaml } from "../labFleet";
import { MirrorServer } from "../mirrorServer";
(async () => {
  const lab = new Lab("/work/main/.lab/scratch-state");
  fs.rmSync(lab.stateDir, { recursive: true, force: true });
  lab.prepare(console.log);
  const mirror = new MirrorServer(); await mirror.start();
  try {
    const a = await lab.start("lab-a", 1);
    const b = await lab.start("lab-b", 2);
    fs.writeFileSync("/tmp/lab-fleet.yaml", labFleetYaml([{ record: a }, { record: b }]));
    let t = Date.now();
    let r = await lab.apply("/tmp/lab-fleet.yaml", { log: console.log });
    console.log(JSON.stringify(r.outcomes.map(o => [o.resourceName, o.action, o.ok, o.result, o.error, o.seconds])), Date.now() - t);
    t = Date.now();
    r = await lab.apply("/tmp/lab-fleet.yaml", {});
    console.log(JSON.stringify(r.outcomes.map(o => [o.resourceName, o.action, o.ok, o.result, o.error])), Date.now() - t);
    console.log("bytes", [...mirror.bytesByClient]);
  } finally {
    await lab.stopAll(); await mirror.stop();
  }
})().catch(e => { console.error(e); process.exit(1); });
