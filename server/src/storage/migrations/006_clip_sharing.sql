-- Clip editing (issue 7): the teacher can take a clip back from the students without deleting it.
-- 1: the lesson's students see it (every clip until now was shared when saved); 0: only the teacher does.
ALTER TABLE clips ADD COLUMN shared INTEGER NOT NULL DEFAULT 1 CHECK (shared IN (0, 1));
