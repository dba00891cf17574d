import { COHORT_FINDING_NAMES, type CohortFinding } from '../contract/index.js';

// The names are the contract's (a cohort request names them); the phrases and boxes behind them are here.
export { COHORT_FINDING_NAMES, type CohortFinding };

/**
 * The findings a cohort can ask for, with the report phrases the model was trained with
 * (models/training/chexgen_train/prompts.py PHRASES) and, for findings that have a place, the box class that puts
 * them there. Text alone barely steers the current model (docs/model-card.md), so boxed findings are the reliable
 * ones.
 */
export type FindingSpec = { phrases: readonly string[]; box?: { label: string; minSize: number; maxSize: number } };

export const COHORT_FINDINGS: Readonly<Record<CohortFinding, FindingSpec>> = {
  atelectasis: { phrases: ['atelectasis', 'subsegmental atelectasis', 'volume loss with atelectasis'] },
  cardiomegaly: { phrases: ['cardiomegaly', 'enlarged cardiac silhouette', 'the heart is enlarged'] },
  consolidation: { phrases: ['consolidation', 'focal consolidation', 'lobar consolidation'], box: { label: 'opacity', minSize: 40, maxSize: 80 } },
  'covid-19': { phrases: ['covid-19 pneumonia', 'bilateral peripheral opacities consistent with covid-19', 'multifocal ground glass opacities, covid-19'] },
  edema: { phrases: ['pulmonary edema', 'interstitial edema', 'vascular congestion with edema'] },
  effusion: { phrases: ['pleural effusion', 'effusion', 'blunting of the costophrenic angle from effusion'] },
  emphysema: { phrases: ['emphysema', 'hyperinflated lungs with emphysema', 'emphysematous changes'] },
  fibrosis: { phrases: ['fibrosis', 'fibrotic changes', 'interstitial fibrosis'] },
  hernia: { phrases: ['hiatal hernia', 'hernia'] },
  infiltration: { phrases: ['infiltration', 'pulmonary infiltrates', 'patchy infiltrates'], box: { label: 'opacity', minSize: 40, maxSize: 80 } },
  mass: { phrases: ['lung mass', 'a mass', 'large pulmonary mass'], box: { label: 'mass', minSize: 30, maxSize: 60 } },
  nodule: { phrases: ['pulmonary nodule', 'a solitary nodule', 'nodular opacity', 'lung nodule'], box: { label: 'nodule', minSize: 10, maxSize: 18 } },
  'pleural thickening': { phrases: ['pleural thickening', 'apical pleural thickening'] },
  pneumonia: { phrases: ['pneumonia', 'airspace opacity consistent with pneumonia', 'patchy consolidation suggesting pneumonia'], box: { label: 'opacity', minSize: 40, maxSize: 80 } },
  pneumothorax: { phrases: ['pneumothorax', 'a pneumothorax', 'visible pleural line with pneumothorax'] },
};

/** Phrases of a subject with no finding. */
export const NORMAL_PHRASES = [
  'no acute cardiopulmonary abnormality',
  'normal chest radiograph',
  'the lungs are clear',
  'heart size is normal and the lungs are clear',
  'no active disease',
  'normal study',
] as const;

export function isCohortFinding(name: string): name is CohortFinding {
  return Object.hasOwn(COHORT_FINDINGS, name);
}

/** Report text from phrases: each a sentence starting with a capital letter. */
export function reportText(phrases: readonly string[]): string {
  return phrases.map((p) => `${p.charAt(0).toUpperCase()}${p.slice(1)}.`).join(' ');
}
