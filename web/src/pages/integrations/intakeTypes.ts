// The /v1/intake-forms shapes, as the server's schemas define them (types only).
export type { CreateFormInput, IntakeForm, UpdateFormInput } from '../../../../src/features/intake/intake.schemas';
export type { Paginated } from '../../../../src/http/pagination';
