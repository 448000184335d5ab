{#- The login model's labels per source (incident windows, analyst
    dispositions), and how many are positive. -#}
with training_set as (
    select * from {{ ref('feat_login_training_set') }}
),

final as (
    select
        label_source,
        count(*) as labels,
        count(*) filter (where is_positive) as positive_labels
    from training_set
    group by label_source
)

select * from final
