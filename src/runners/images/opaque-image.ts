// Images as the runners read them: colour only. sharp resizes before it removes an alpha
// channel, whatever order the calls are written in, and its resize weights pixels by their
// alpha, so a see-through pixel's colour would leak into (or vanish from) its neighbours.
// The docs promise alpha is dropped, not blended: it is dropped first, at full size.
import sharp from 'sharp';

/**
 * A sharp pipeline of `file` (a path, or its bytes) with any alpha channel already removed,
 * ready to resize. Opaque images pay only a header read for the check.
 */
export async function opaqueImage(file: string | Buffer): Promise<sharp.Sharp> {
  const image = sharp(file, { failOn: 'truncated' });
  const { hasAlpha } = await image.metadata();
  if (!hasAlpha) return image;
  const { data, info } = await image
    .removeAlpha()
    .toColourspace('srgb')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  return sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } });
}
