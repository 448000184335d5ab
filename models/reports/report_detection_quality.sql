{#- One row: the champion's alerts against the generator's ground truth, all
    techniques together (report_alerts_by_technique summed), and the
    champion's training cut. -#}
with simulated_incidents as (
    select * from {{ ref('stg_simulation__incidents') }}
),

alerts_by_technique as (
    select * from {{ ref('report_alerts_by_technique') }}
),

monitoring as (
    select * from {{ ref('ml_login_monitoring') }}
),

ground_truth as (
    select count(*) > 0 as has_ground_truth
    from simulated_incidents
),

training_cut as (
    select max(reference_until) as champion_trained_until
    from monitoring
),

all_techniques as (
    select
        coalesce(sum(incidents), 0) as incidents,
        coalesce(sum(incidents_with_activity), 0) as incidents_with_activity,
        coalesce(sum(incidents_caught), 0) as incidents_caught,
        coalesce(sum(events_in_incidents), 0) as events_in_incidents,
        coalesce(sum(events_alerted), 0) as events_alerted,
        coalesce(sum(out_of_sample_incidents), 0) as out_of_sample_incidents,
        coalesce(sum(out_of_sample_incidents_caught), 0) as out_of_sample_incidents_caught
    from alerts_by_technique
),

final as (
    select
        ground_truth.has_ground_truth,
        all_techniques.incidents,
        all_techniques.incidents_with_activity,
        all_techniques.incidents_caught,
        all_techniques.events_in_incidents,
        all_techniques.events_alerted,
        all_techniques.out_of_sample_incidents,
        all_techniques.out_of_sample_incidents_caught,
        training_cut.champion_trained_until,
        all_techniques.incidents - all_techniques.incidents_with_activity as incidents_without_activity,
        all_techniques.incidents_caught / nullif(all_techniques.incidents_with_activity, 0) as incident_catch_rate
    from ground_truth
    cross join all_techniques
    cross join training_cut
)

select * from final
