
    
    

with all_values as (

    select
        employment_status as value_field,
        count(*) as n_records

    from "w"."hr_unified"."hr_employment_history"
    group by employment_status

)

select *
from all_values
where value_field not in (
    'active','on_leave','notice_period','terminated'
)


