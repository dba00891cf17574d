import { Command } from 'commander';
import { loadConfig } from '../../config/loadConfig.js';
import { listModels } from '../../model/modelManifest.js';

/** `chexgen models`: installed models, their condition classes and defaults. */
export function modelsCommand(): Command {
  return new Command('models')
    .description('list installed models and their condition classes')
    .option('--json', 'print JSON', false)
    .action(async (opts: { json: boolean }) => {
      const config = loadConfig(process.env);
      const models = await listModels(config.modelsDir);
      const rows = models.map(({ dir, manifest: m }) => ({
        name: m.name, version: m.version, dir, resolution: m.resolution, default: m.name === config.model,
        maskLabels: m.conditions.channels.filter((c) => c.kind === 'mask').map((c) => c.label),
        boxLabels: m.conditions.channels.filter((c) => c.kind === 'box').map((c) => c.label),
        defaultSteps: m.schedule.default_steps, defaultGuidance: m.schedule.default_guidance,
        defaultSpatialGuidance: m.schedule.default_spatial_guidance ?? m.schedule.default_guidance,
        megabytes: Math.round(m.files.reduce((s, f) => s + f.bytes, 0) / 1e5) / 10, licence: m.licence,
      }));
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      for (const r of rows) {
        process.stdout.write(`${r.name} ${r.version}${r.default ? ' (default)' : ''}: ${r.resolution} px, ${r.megabytes} MB\n`
          + `  mask labels: ${r.maskLabels.join(', ')}\n  box labels:  ${r.boxLabels.join(', ')}\n`
          + `  defaults: ${r.defaultSteps} steps, guidance ${r.defaultGuidance} (masks and boxes ${r.defaultSpatialGuidance})\n  licence: ${r.licence}\n`);
      }
    });
}
