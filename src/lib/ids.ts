import { z } from 'zod';

const uuid = z.uuid();

/** Ids are UUIDs: anything else is simply not found, and never reaches a uuid column as an error. */
export const isUuid = (id: string) => uuid.safeParse(id).success;
