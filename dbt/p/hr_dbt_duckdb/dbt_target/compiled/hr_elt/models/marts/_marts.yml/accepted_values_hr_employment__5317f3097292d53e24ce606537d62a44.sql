
    
    

with all_values as (

    select
        timeline as value_field,
        count(*) as n_records

    from "w"."hr_unified"."hr_employment_history"
    group by timeline

)

select *
from all_values
where value_field not in (
    'effective','observed'
)


