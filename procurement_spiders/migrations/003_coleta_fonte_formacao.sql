-- The Formação do PCA of PGC is a source of its own: coletas.fonte 'FORMACAO' (spider pgc_formacao;
-- `pncp -a fonte=pgc` is its alias). Until now those coletas were stored as spider 'pncp', fonte
-- 'PNCP', with the argument fonte=pgc in dados: they are converted, so every row says its source.
-- PGC coletas also record the unit the app showed (its UASG; orgao_cnpj when a CNPJ is shown).
-- The status trigger of 001 only guards status changes: changing fonte of a finished coleta is allowed.

ALTER TABLE coletas DROP CONSTRAINT coletas_fonte_check;
ALTER TABLE coletas ADD CONSTRAINT coletas_fonte_check CHECK (fonte IN ('PGC', 'PNCP', 'FORMACAO'));

UPDATE coletas SET fonte = 'FORMACAO'
 WHERE spider = 'pncp' AND fonte = 'PNCP'
   AND lower(coalesce(dados -> 'argumentos' ->> 'fonte_dados', dados -> 'argumentos' ->> 'fonte', '')) = 'pgc';

ALTER TABLE coletas ADD COLUMN uasg CHAR(6) CHECK (uasg ~ '^[0-9]{6}$');
COMMENT ON COLUMN coletas.uasg IS 'PGC coletas: the UASG the logged-in app showed';
