// Minimal typings for the part of dcmjs 0.52 that server/src/dicom uses (the package ships none).
// Naturalized datasets are keyword-keyed plain objects; values are checked by our writers and by dciodvfy.
declare module 'dcmjs' {
  type Dataset = Record<string, unknown>;
  type DictionaryEntry = { tag: string; vr: string; vm: string; name: string };
  type CodedEntry = { CodeValue: string; CodingSchemeDesignator: string; CodeMeaning: string };

  interface DicomDictInstance {
    dict: Record<string, unknown>;
    write(options?: { allowInvalidVRLength?: boolean }): ArrayBuffer;
  }

  type PolylineProps = {
    points: { x: number; y: number }[];
    ReferencedSOPSequence: { ReferencedSOPClassUID: string; ReferencedSOPInstanceUID: string };
    area?: number;
    areaUnit?: string;
    perimeter?: number;
    unit?: string;
    finding?: CodedEntry;
    findingSites?: CodedEntry[];
    trackingIdentifierTextValue?: string;
  };

  interface TID1500MeasurementReportInstance {
    ImageLibraryContentSequence: Dataset[];
    CurrentRequestedProcedureEvidenceSequence: Dataset[];
    contentItem(derivationSourceDatasets: Dataset | Dataset[], options?: { PersonName?: string }): Dataset;
  }

  const dcmjs: {
    data: {
      DicomMetaDictionary: {
        nameMap: Record<string, DictionaryEntry | undefined>;
        dictionary: Record<string, DictionaryEntry | undefined>;
        denaturalizeDataset(dataset: Dataset): Record<string, unknown>;
        naturalizeDataset(dataset: Record<string, unknown>): Dataset;
      };
      DicomDict: new (meta: Record<string, unknown>) => DicomDictInstance;
      DicomMessage: {
        readFile(
          buffer: ArrayBuffer,
          options?: { ignoreErrors?: boolean; untilTag?: string | null; includeUntilTagValue?: boolean; noCopy?: boolean; forceStoreRaw?: boolean },
        ): { meta: Record<string, unknown>; dict: Record<string, unknown> };
      };
    };
    utilities: {
      TID1500: {
        TID1500MeasurementReport: new (groups: { TID1501MeasurementGroups?: unknown[] }) => TID1500MeasurementReportInstance;
        TID1501MeasurementGroup: new (measurements: unknown[]) => unknown;
      };
      TID300: {
        Polyline: new (props: PolylineProps) => unknown;
      };
    };
    log: { getLevel(): number; setLevel(level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent'): void };
  };
  export default dcmjs;
}
