-- The model in use (the champion after the latest decision up to the run month) and
-- its model card, for the page "Drift og model". The card is written when the model
-- is trained (src/model/card.rs) and already hides groups under the disclosure
-- threshold; it holds aggregates only.
create or replace table mart_model_card as
with params as (
    select run_month from run_params
),

champion as (
    select champion_after as version
    from model_decisions
    where run_month <= (select run_month from params)
    order by run_month desc, decided_at desc
    limit 1
),

final as (
    select
        v.version,
        v.run_month as trained_month,
        v.train_from,
        v.train_to,
        v.n_train,
        c.markdown
    from champion as ch
    inner join model_versions as v on v.version = ch.version
    inner join model_cards as c on c.version = ch.version
)

select * from final;
