-- Search (`GET /v1/search`): conferences and participants by customer id or name,
-- any case (Unicode case folding), anywhere in the text. FTS5's trigram tokenizer
-- matches any substring of three or more characters from its index; shorter text
-- matches customer ids by prefix, through the `lower(id)` indexes at the end.
--
-- The indexes hold no copy of the text (external content: the tables themselves)
-- and follow the tables by rowid through the triggers below. VACUUM may renumber the
-- rowids of tables without an integer primary key, so after a VACUUM run
-- `insert into conference_search(conference_search) values ('rebuild')` (and the same
-- for participant_search).
create virtual table conference_search using fts5(
    conference_id, conference_name, content = 'conference', content_rowid = 'rowid', tokenize = 'trigram'
);
insert into conference_search(conference_search) values ('rebuild');

create trigger conference_search_insert after insert on conference begin
    insert into conference_search(rowid, conference_id, conference_name)
    values (new.rowid, new.conference_id, new.conference_name);
end;
create trigger conference_search_update after update of conference_id, conference_name on conference begin
    insert into conference_search(conference_search, rowid, conference_id, conference_name)
    values ('delete', old.rowid, old.conference_id, old.conference_name);
    insert into conference_search(rowid, conference_id, conference_name)
    values (new.rowid, new.conference_id, new.conference_name);
end;
create trigger conference_search_delete after delete on conference begin
    insert into conference_search(conference_search, rowid, conference_id, conference_name)
    values ('delete', old.rowid, old.conference_id, old.conference_name);
end;

create virtual table participant_search using fts5(
    participant_id, participant_name, content = 'participant', content_rowid = 'rowid', tokenize = 'trigram'
);
insert into participant_search(participant_search) values ('rebuild');

create trigger participant_search_insert after insert on participant begin
    insert into participant_search(rowid, participant_id, participant_name)
    values (new.rowid, new.participant_id, new.participant_name);
end;
create trigger participant_search_update after update of participant_id, participant_name on participant begin
    insert into participant_search(participant_search, rowid, participant_id, participant_name)
    values ('delete', old.rowid, old.participant_id, old.participant_name);
    insert into participant_search(rowid, participant_id, participant_name)
    values (new.rowid, new.participant_id, new.participant_name);
end;
create trigger participant_search_delete after delete on participant begin
    insert into participant_search(participant_search, rowid, participant_id, participant_name)
    values ('delete', old.rowid, old.participant_id, old.participant_name);
end;

create index conference_customer_lower on conference (app_id, lower(conference_id));
create index participant_customer_lower on participant (app_id, lower(participant_id));
