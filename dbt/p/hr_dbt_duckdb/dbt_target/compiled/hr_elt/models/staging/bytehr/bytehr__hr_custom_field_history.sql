-- depends_on: "w"."hr_unified_staging"."stg_bytehr__custom_field_definitions"





  
  
  

  
  
  

  
  
  

  
  
  

  
  
  

  
  
  

  
  
  

  
  
  

  
  
  

  
  
  

  
  
  

  
  
  

  
  
  

  
  
  

  
  
  

  
  
  





with versions as (
    select
        cast(rows.id as TEXT) as employee_id,
        cast(rows._hr_observed_at as timestamp with time zone) as observed_at,
        false as is_deleted,
        coalesce(
            cast(rows."custom_fields__tshirt_size" as TEXT), cast(null as TEXT)
        ) as "custom_fields__tshirt_size",
        coalesce(
            cast(rows."custom_fields__badge_number" as TEXT), cast(null as TEXT)
        ) as "custom_fields__badge_number",
        coalesce(
            cast(rows."custom_fields__remote_eligible" as TEXT), cast(null as TEXT)
        ) as "custom_fields__remote_eligible",
        coalesce(
            cast(rows."custom_fields__shoe_size" as TEXT), cast(null as TEXT)
        ) as "custom_fields__shoe_size",
        coalesce(
            cast(rows."custom_fields__groesse" as TEXT), cast(null as TEXT)
        ) as "custom_fields__groesse",
        coalesce(
            cast(rows."custom_fields__team_name" as TEXT), cast(null as TEXT)
        ) as "custom_fields__team_name",
        coalesce(
            cast(rows."custom_fields__cf_850d589d" as TEXT), cast(null as TEXT)
        ) as "custom_fields__cf_850d589d",
        coalesce(
            cast(rows."custom_fields__visa_expiry" as TEXT), cast(null as TEXT)
        ) as "custom_fields__visa_expiry"
    from "w"."bytehr"."employees_versions" as rows
    union all
    select
        cast(rows.id as TEXT) as employee_id,
        cast(to_timestamp(cast(rows._dlt_load_id as double precision)) as timestamp with time zone) as observed_at,
        rows._deleted_at is not null as is_deleted,
        coalesce(
            cast(rows."custom_fields__tshirt_size" as TEXT), cast(null as TEXT)
        ) as "custom_fields__tshirt_size",
        coalesce(
            cast(rows."custom_fields__badge_number" as TEXT), cast(null as TEXT)
        ) as "custom_fields__badge_number",
        coalesce(
            cast(rows."custom_fields__remote_eligible" as TEXT), cast(null as TEXT)
        ) as "custom_fields__remote_eligible",
        coalesce(
            cast(rows."custom_fields__shoe_size" as TEXT), cast(null as TEXT)
        ) as "custom_fields__shoe_size",
        coalesce(
            cast(rows."custom_fields__groesse" as TEXT), cast(null as TEXT)
        ) as "custom_fields__groesse",
        coalesce(
            cast(rows."custom_fields__team_name" as TEXT), cast(null as TEXT)
        ) as "custom_fields__team_name",
        coalesce(
            cast(rows."custom_fields__cf_850d589d" as TEXT), cast(null as TEXT)
        ) as "custom_fields__cf_850d589d",
        coalesce(
            cast(rows."custom_fields__visa_expiry" as TEXT), cast(null as TEXT)
        ) as "custom_fields__visa_expiry"
    from "w"."bytehr"."employees" as rows
    where not exists (
        select 1 from "w"."bytehr"."employees_versions" as logged
        where logged.id = rows.id and logged._dlt_load_id = rows._dlt_load_id
    )
    
),
values_seen as (
    select employee_id, observed_at, is_deleted, 'custom_fields__tshirt_size' as column_name, "custom_fields__tshirt_size" as value
    from versions
    union all
    select employee_id, observed_at, is_deleted, 'custom_fields__badge_number' as column_name, "custom_fields__badge_number" as value
    from versions
    union all
    select employee_id, observed_at, is_deleted, 'custom_fields__remote_eligible' as column_name, "custom_fields__remote_eligible" as value
    from versions
    union all
    select employee_id, observed_at, is_deleted, 'custom_fields__shoe_size' as column_name, "custom_fields__shoe_size" as value
    from versions
    union all
    select employee_id, observed_at, is_deleted, 'custom_fields__groesse' as column_name, "custom_fields__groesse" as value
    from versions
    union all
    select employee_id, observed_at, is_deleted, 'custom_fields__team_name' as column_name, "custom_fields__team_name" as value
    from versions
    union all
    select employee_id, observed_at, is_deleted, 'custom_fields__cf_850d589d' as column_name, "custom_fields__cf_850d589d" as value
    from versions
    union all
    select employee_id, observed_at, is_deleted, 'custom_fields__visa_expiry' as column_name, "custom_fields__visa_expiry" as value
    from versions
    
),
definitions as (
    select field_key, label, coalesce(archived, false) as archived, lower(column_name) as column_name
    from "w"."hr_unified_staging"."stg_bytehr__custom_field_definitions"
    where column_name is not null
),
field_versions as (
    select
        cast('bytehr' as TEXT) as provider,
        cast(null as TEXT) as tenant,
        values_seen.employee_id,
        coalesce(definitions.field_key, values_seen.column_name) as field_key,
        definitions.label,
        coalesce(definitions.archived, false) as archived,
        values_seen.value,
        values_seen.observed_at,
        values_seen.is_deleted
    from values_seen
    left join definitions on definitions.column_name = values_seen.column_name
    where not (coalesce(definitions.archived, false) and values_seen.value is null and not values_seen.is_deleted)
),
days as (
    select *,
           cast((observed_at) at time zone 'UTC' as date) as valid_from,
           row_number() over (partition by employee_id, field_key, cast((observed_at) at time zone 'UTC' as date)
                              order by observed_at desc) as latest_of_day
    from field_versions
),
changes as (
    select *,
           lag(coalesce(cast(value as TEXT), '~') || '|' || coalesce(cast(is_deleted as TEXT), '~')) over (partition by employee_id, field_key
                                                                 order by valid_from) as previous_state,
           coalesce(cast(value as TEXT), '~') || '|' || coalesce(cast(is_deleted as TEXT), '~') as state
    from days
    where latest_of_day = 1
),
intervals as (
    select *,
           cast(

    (lead(valid_from) over (partition by employee_id, field_key order by valid_from) + cast(-1 as bigint) * interval 1 day) as date)
               as valid_to
    from changes
    where previous_state is null or previous_state <> state
)
select
    provider,
    tenant,
    employee_id,
    field_key as "key",
    label,
    value,
    case when regexp_matches(value, '^-?[0-9]+([.][0-9]+)?$') then cast(value as double precision) end
        as value_number,
    case when regexp_matches(value, '^[0-9]{4}-[0-9]{2}-[0-9]{2}$') then cast(value as date) end as value_date,
    case when lower(value) in ('true', 'false') then lower(value) = 'true' end as value_boolean,
    valid_from,
    valid_to,
    observed_at,
    archived
from intervals
where not is_deleted and not (value is null and previous_state is null)
