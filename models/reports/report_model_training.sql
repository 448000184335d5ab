{#- The model version the last training run registered, the data it saw and
    how it did on the later period of its labels, from ml_login_model_training. -#}
with model_training as (
    select * from {{ ref('ml_login_model_training') }}
),

final as (
    select
        model_name,
        model_version,
        algorithm,
        feature_definitions_version,
        train_from,
        train_until,
        training_set_rows,
        training_set_positives,
        negative_sample_rate,
        features_loaded_through,
        eval_rows,
        eval_positives,
        roc_auc,
        evaluation_top_k,
        precision_at_k,
        incident_recall
    from model_training
)

select * from final
