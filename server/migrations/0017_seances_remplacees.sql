-- Whether a session has been replaced (an excused absence whose make-up session is planned) is
-- asked by the dashboard's « à traiter » list for every excused absence, and before planning a
-- replacement. Without an index each question read every session of the database (2 million at
-- national volume). Few sessions replace another: the index holds only those.
CREATE INDEX seances_remplace ON seances(remplace_seance_id) WHERE remplace_seance_id IS NOT NULL;
