import type { SourceBox, SourceSegment } from '../annotations/types';

/** What the panel needs from the viewer it lives in (OHIF in production, a fake in tests). */
export interface AnnotationHost {
  /** Current RectangleROI boxes in source-image pixels. */
  readBoxes(): SourceBox[];
  /** Current labelmap segments as binary masks at the source image size. */
  readSegments(): SourceSegment[];
  /** StudyInstanceUID of the study in the active viewport. */
  currentStudy(): string | undefined;
  /** Calls `onChange` when measurements or segmentations change; returns the unsubscribe function. */
  subscribe(onChange: () => void): () => void;
  /** Opens these studies side by side in our mode. */
  openStudies(studyInstanceUIDs: string[]): void;
}
