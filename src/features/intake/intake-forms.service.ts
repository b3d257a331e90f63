import { randomInt, randomUUID } from 'node:crypto';
import type { Db } from '../../db/client.js';
import type { Clock } from '../../lib/clock.js';
import { NotFoundError } from '../../lib/errors.js';
import { isUuid } from '../../lib/ids.js';
import type { SecretBox } from '../../lib/secret-box.js';
import { deleteForm, findForm, insertForm, listFormPage, updateForm, type FormInsert, type FormRow } from './intake-forms.repo.js';
import type { CreateFormInput, IntakeForm, UpdateFormInput } from './intake.schemas.js';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
// 24 base62 characters ≈ 143 bits: a key cannot be guessed, though it is public once on a page.
export const newPublicKey = () => 'qlf_' + Array.from({ length: 24 }, () => ALPHABET[randomInt(62)]).join('');

/** The captcha secret is bound to its form (B7): a sealed value cannot be moved to another row. */
export const captchaContext = (formId: string) => `intake-form-captcha:${formId}`;

export function formView(row: FormRow, publicUrl: string): IntakeForm {
  return {
    id: row.id,
    name: row.name,
    public_key: row.publicKey,
    post_url: `${publicUrl}/intake/${row.publicKey}`,
    source: row.source,
    allowed_origins: row.allowedOrigins,
    allow_no_origin: row.allowNoOrigin,
    thank_you_url: row.thankYouUrl,
    field_mapping: row.fieldMapping,
    captcha: row.captchaProvider && row.captchaSiteKey ? { provider: row.captchaProvider, site_key: row.captchaSiteKey } : null,
    texts_per_hour: row.textsPerHour,
    min_fill_seconds: row.minFillSeconds,
    enabled: row.enabled,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

function columnsOf(input: UpdateFormInput, formId: string, secrets: SecretBox): Partial<FormInsert> {
  const c: Partial<FormInsert> = {};
  if (input.name !== undefined) c.name = input.name;
  if (input.source !== undefined) c.source = input.source;
  if (input.allowed_origins !== undefined) c.allowedOrigins = [...new Set(input.allowed_origins)];
  if (input.allow_no_origin !== undefined) c.allowNoOrigin = input.allow_no_origin;
  if (input.thank_you_url !== undefined) c.thankYouUrl = input.thank_you_url;
  if (input.field_mapping !== undefined) c.fieldMapping = input.field_mapping;
  if (input.texts_per_hour !== undefined) c.textsPerHour = input.texts_per_hour;
  if (input.min_fill_seconds !== undefined) c.minFillSeconds = input.min_fill_seconds;
  if (input.enabled !== undefined) c.enabled = input.enabled;
  if (input.captcha !== undefined) {
    c.captchaProvider = input.captcha?.provider ?? null;
    c.captchaSiteKey = input.captcha?.site_key ?? null;
    c.captchaSecretCiphertext = input.captcha ? secrets.seal(input.captcha.secret, captchaContext(formId)) : null;
  }
  if (input.rotate_key) c.publicKey = newPublicKey();
  return c;
}

/** A company's web forms (owners and admins: a form can spend SMS credits). */
export function createIntakeForms(deps: { db: Db; clock: Clock; secrets: SecretBox; publicUrl: string }) {
  const { db, clock, secrets, publicUrl } = deps;
  const view = (row: FormRow) => formView(row, publicUrl);

  async function list(companyId: string, page: { limit: number; offset: number }) {
    const { rows, total } = await listFormPage(db, companyId, page);
    return { data: rows.map(view), total };
  }

  async function get(companyId: string, formId: string) {
    const row = isUuid(formId) ? await findForm(db, companyId, formId) : undefined;
    if (!row) throw new NotFoundError('Intake form not found');
    return view(row);
  }

  async function create(companyId: string, input: CreateFormInput) {
    const id = randomUUID();
    const at = new Date(clock.now());
    const row = await insertForm(db, {
      source: 'web_form',
      ...columnsOf(input, id, secrets),
      id,
      companyId,
      name: input.name,
      publicKey: newPublicKey(),
      createdAt: at,
      updatedAt: at,
    });
    return view(row);
  }

  async function update(companyId: string, formId: string, input: UpdateFormInput) {
    if (!isUuid(formId)) throw new NotFoundError('Intake form not found');
    const row = await updateForm(db, companyId, formId, { ...columnsOf(input, formId, secrets), updatedAt: new Date(clock.now()) });
    if (!row) throw new NotFoundError('Intake form not found');
    return view(row);
  }

  async function remove(companyId: string, formId: string) {
    if (!isUuid(formId) || !(await deleteForm(db, companyId, formId))) throw new NotFoundError('Intake form not found');
  }

  return { list, get, create, update, remove };
}

export type IntakeFormsService = ReturnType<typeof createIntakeForms>;
