import type { ModelSummary } from '../http/routes/modelsRoutes.js';

/** A model entry of `GET /info/`, as MONAI Label's InferTask.info() shapes one (without its `config`). */
export type MonaiLabelModelInfo = { type: 'others'; labels: string[]; dimension: 2; description: string };

/** `GET /info/` as MONAI Label clients read it. */
export type MonaiLabelInfo = {
  name: string;
  description: string;
  version: string;
  labels: string[];
  models: Record<string, MonaiLabelModelInfo>;
  trainers: Record<string, never>;
  strategies: Record<string, never>;
  scoring: Record<string, never>;
  train_stats: Record<string, never>;
  datastore: { total: number; completed: number; label_tags: Record<string, never> };
};

/**
 * The app description MONAI Label clients ask for first (pure). Only the loaded model is listed (the only one infer
 * runs), typed `others`: viewers list only the model types they know (segmentation, deepgrow, deepedit, ...), so a
 * generator is reachable from the Python client and plain REST, and a viewer does not mistake it for a segmenter.
 * `labels` are arrays (MONAI Label's OHIF plugin appends to the top-level one) and the mask labels the model is
 * conditioned on; there is no top-level `config` (3D Slicer rejects an /info/ that has one). The datastore is
 * reported empty: chexgen serves no MONAI Label datastore (images come from the DICOM store by UID).
 */
export function monaiLabelInfo(models: readonly ModelSummary[], version: string): MonaiLabelInfo {
  const loaded = models.filter((m) => m.loaded);
  const labels = [...new Set(loaded.flatMap((m) => m.maskLabels))];
  return {
    name: 'chexgen',
    description: 'Synthetic chest radiographs from report text, anatomy masks and finding boxes (research use only; every image is synthetic). Infer runs a synthesis job; the result is a synthetic DICOM image.',
    version,
    labels,
    models: Object.fromEntries(loaded.map((m) => [m.name, {
      type: 'others' as const,
      labels: [...m.maskLabels],
      dimension: 2 as const,
      description: `chexgen ${m.name} ${m.version}: ${m.resolution}-px synthetic chest radiograph; params: text, sex, age, view, boxes (${m.boxLabels.join(', ')}), masks, seed, steps (default ${m.defaultSteps}), guidance (default ${m.defaultGuidance}), spatialGuidance (default ${m.defaultSpatialGuidance}), sampler (${m.samplers.join(', ')})`,
    }])),
    trainers: {},
    strategies: {},
    scoring: {},
    train_stats: {},
    datastore: { total: 0, completed: 0, label_tags: {} },
  };
}
