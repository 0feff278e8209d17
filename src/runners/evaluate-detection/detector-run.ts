// Runs an ONNX detector over the images of a COCO ground truth and collects its detections as
// COCO results, checking the model, the label mapping and every image file before inference.
import type { Emitter } from '../contract.ts';
import type { CocoResult } from '../detection/coco-results.ts';
import { readBatches } from '../images/image-batches.ts';
import { ImagePreprocessor } from '../images/preprocess.ts';
import { decodeDetections } from './box-decoding.ts';
import type { CocoDataset } from './coco-dataset.ts';
import { locateCocoImages } from './coco-image-files.ts';
import type { DetectionConfig } from './config.ts';
import { categoryMapping } from './label-mapping.ts';
import { OnnxDetector } from './onnx-detector.ts';

export interface DetectorRun {
  modelPath: string;
  dataset: CocoDataset;
  config: DetectionConfig;
  signal: AbortSignal;
  emit: Pick<Emitter, 'progress' | 'flushed'>;
}

/**
 * The detections of the ONNX model at `modelPath` on every image of the dataset, in image
 * file order, each image's best first. Each image is stretched to the model's input size, so
 * boxes map back by scaling each axis.
 */
export async function detectWithOnnx(run: DetectorRun): Promise<CocoResult[]> {
  const { dataset, config, signal, emit } = run;
  const settings = config.detector;
  const categoryOf = categoryMapping(settings.labelMapping, dataset.groundTruth.categories);
  const detector = await OnnxDetector.load(run.modelPath, settings);
  try {
    emit.progress({ stage: 'checking images', message: `${dataset.images.length} images` });
    const images = await locateCocoImages(dataset, { imagesFolder: config.imagesFolder, signal });
    const { width, height, layout } = detector.input;
    const preprocessor = new ImagePreprocessor({
      width,
      height,
      layout,
      fit: 'fill',
      channelOrder: settings.channelOrder,
      mean: settings.mean,
      std: settings.std,
    });
    const results: CocoResult[] = [];
    let done = 0;
    for await (const batch of readBatches(images, preprocessor, {
      batchSize: detector.batchSize,
      signal,
    })) {
      const raw = await detector.detect(batch.tensor, batch.items.length);
      batch.items.forEach((image, i) => {
        results.push(
          ...decodeDetections(raw[i]!, image, {
            ...settings,
            inputWidth: width,
            inputHeight: height,
            categoryOf,
          }),
        );
      });
      done += batch.items.length;
      emit.progress({
        fraction: (0.8 * done) / images.length,
        stage: 'detecting',
        message: `${done} of ${images.length} images`,
      });
      await emit.flushed();
    }
    return results;
  } finally {
    await detector.release();
  }
}
